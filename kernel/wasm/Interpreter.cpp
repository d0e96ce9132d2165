// The interpreter: one handler per internal operation, each ending in a guaranteed tail call to
// the next handler ([[clang::musttail]]), so dispatch is a single indirect jump and Wasm calls
// never grow the host stack. A trap records its kind in the Machine and returns, which unwinds
// the whole chain at once.
#include <kernel/lib/Bits.h>
#include <kernel/wasm/FloatOps.h>
#include <kernel/wasm/NativeTier.h>
#include <kernel/wasm/Objects.h>
#include <kernel/wasm/SimdSupport.h>

namespace ath::wasm {

namespace {

#define HANDLER(Name) void op_##Name(const Instr* ip, u64* sp, u64* fp, Machine* m, u8* mem, u64 mem_size)
#define NEXT_AT(next)                                          \
    do {                                                       \
        const Instr* next_ip_ = (next);                        \
        [[clang::musttail]] return next_ip_->handler(next_ip_, sp, fp, m, mem, mem_size); \
    } while (0)
#define NEXT(words) NEXT_AT(ip + (words))
// Taken branches that go backwards are loop back-edges: the fuel / interrupt poll happens there.
// The poll is a tail call too (poll_then_continue), so the branch handlers stay leaves: a call in
// them would make every run of the handler save and restore the callee-saved registers.
#define BRANCH(target_expression)                                          \
    do {                                                                   \
        const Instr* branch_target_ = (target_expression);                 \
        if (branch_target_ <= ip && m->poll) [[unlikely]] {                 \
            [[clang::musttail]] return poll_then_continue(branch_target_, sp, fp, m, mem, mem_size); \
        }                                                                  \
        NEXT_AT(branch_target_);                                           \
    } while (0)
#define RELOAD_MEMORY()                                        \
    do {                                                       \
        mem = m->memory ? m->memory->base : nullptr;           \
        mem_size = m->memory ? m->memory->byte_size : 0;       \
    } while (0)
#define TRAP(kind)                              \
    do {                                        \
        m->trap_kind = TrapKind::kind;          \
        m->trapped = true;                      \
        return;                                 \
    } while (0)

// Polls fuel / interrupts / trap requests at a loop back-edge, then goes on at `ip` (the branch
// target) or ends the run with the trap.
[[gnu::noinline]] void poll_then_continue(const Instr* ip, u64* sp, u64* fp, Machine* m, u8* mem, u64 mem_size)
{
    if (!poll_budget(m))
        return;
    NEXT_AT(ip);
}

template<typename T> inline T from_slot(u64 slot)
{
    if constexpr (sizeof(T) == 4)
        return bit_cast<T>(static_cast<u32>(slot));
    else
        return bit_cast<T>(slot);
}
template<typename T> inline u64 to_slot(T value)
{
    if constexpr (sizeof(T) == 4)
        return bit_cast<u32>(value);
    else
        return bit_cast<u64>(value);
}

inline const Instr* target_of(const Instr* word) { return word + word->offset; }

// ---- control -------------------------------------------------------------------------------

HANDLER(Unreachable) { TRAP(Unreachable); }

HANDLER(Exit)
{
    m->result_sp = sp; // and no NEXT: returning ends the chain of tail calls
}

HANDLER(Jump) { BRANCH(target_of(ip + 1)); }

HANDLER(BrIf)
{
    u32 condition = static_cast<u32>(*--sp);
    if (condition)
        BRANCH(target_of(ip + 1));
    NEXT(2);
}

HANDLER(BrUnless)
{
    u32 condition = static_cast<u32>(*--sp);
    if (!condition)
        BRANCH(target_of(ip + 1));
    NEXT(2);
}

HANDLER(BrIfLocal)
{
    if (static_cast<u32>(fp[ip[1].value]))
        BRANCH(target_of(ip + 2));
    NEXT(3);
}

HANDLER(BrUnlessLocal)
{
    if (!static_cast<u32>(fp[ip[1].value]))
        BRANCH(target_of(ip + 2));
    NEXT(3);
}

inline u64* move_down(u64* sp, u64* fp, u64 destination, u64 count)
{
    u64* to = fp + destination;
    u64* from = sp - count;
    for (u64 i = 0; i < count; ++i)
        to[i] = from[i];
    return to + count;
}

HANDLER(BrMove)
{
    sp = move_down(sp, fp, ip[2].value, ip[3].value);
    BRANCH(target_of(ip + 1));
}

HANDLER(BrIfMove)
{
    u32 condition = static_cast<u32>(*--sp);
    if (condition) {
        sp = move_down(sp, fp, ip[2].value, ip[3].value);
        BRANCH(target_of(ip + 1));
    }
    NEXT(4);
}

HANDLER(BrTable)
{
    u32 index = static_cast<u32>(*--sp);
    u64 count = ip[1].value;
    u64 slots = ip[2].value;
    if (index > count)
        index = static_cast<u32>(count);
    const Instr* entry = ip + 3 + 2 * static_cast<u64>(index);
    sp = move_down(sp, fp, entry[1].value, slots);
    BRANCH(target_of(entry));
}

HANDLER(BrTableJump)
{
    u32 index = static_cast<u32>(*--sp);
    u64 count = ip[1].value;
    if (index > count)
        index = static_cast<u32>(count);
    BRANCH(target_of(ip + 2 + index));
}

HANDLER(Return)
{
    u64 results = ip[1].value;
    u64* from = sp - results;
    for (u64 i = 0; i < results; ++i)
        fp[i] = from[i];
    sp = fp + results;
    CallFrame frame = *--m->frame;
    fp = frame.fp;
    m->instance = frame.instance;
    m->memory = frame.instance ? frame.instance->memory0 : nullptr;
    RELOAD_MEMORY();
    NEXT_AT(frame.return_ip);
}

// Sets up the callee's frame; returns its first instruction, or null after a trap. Host functions
// run right here and return `return_ip`.
inline const Instr* enter(FunctionInstance* callee, const Instr* return_ip, u64*& sp, u64*& fp, Machine* m)
{
    if (m->poll) [[unlikely]] {
        if (!poll_budget(m))
            return nullptr;
    }
    if (!callee->owner || callee->native_entry) {
        // A host function, or a compiled one (an instance on the compiled tier, NativeTier.h).
        u64* arguments = sp - callee->parameter_slots;
        InstanceData* caller = m->instance;
        if (!(callee->owner ? run_native(*callee, arguments, m) : call_host(*callee, arguments, sp, m)))
            return nullptr;
        m->instance = caller;
        m->memory = caller ? caller->memory0 : nullptr;
        sp = arguments + callee->result_slots;
        return return_ip;
    }
    if (m->frame == m->frames_end) {
        m->trap_kind = TrapKind::CallStackExhausted;
        m->trapped = true;
        return nullptr;
    }
    const FunctionData& data = *callee->data;
    u64* new_fp = sp - callee->parameter_slots;
    u64* locals_end = sp + data.local_slots;
    if (locals_end > m->stack_end || static_cast<usize>(m->stack_end - locals_end) < data.max_stack_slots + 2) {
        m->trap_kind = TrapKind::CallStackExhausted;
        m->trapped = true;
        return nullptr;
    }
    for (u64* local = sp; local < locals_end; ++local)
        *local = 0;
    *m->frame++ = CallFrame { return_ip, fp, m->instance };
    fp = new_fp;
    sp = locals_end;
    m->instance = callee->owner;
    m->memory = callee->owner->memory0;
    return callee->code;
}

HANDLER(Call)
{
    FunctionInstance* callee = m->instance->functions[ip[1].value];
    const Instr* next = enter(callee, ip + 2, sp, fp, m);
    if (!next)
        return;
    RELOAD_MEMORY(); // the callee's memory, or ours grown by a host function
    NEXT_AT(next);
}

HANDLER(CallIndirect)
{
    u32 index = static_cast<u32>(*--sp);
    TableInstance* table = m->instance->tables[ip[2].value];
    if (index >= table->elements.size())
        TRAP(UndefinedElement);
    u64 reference = table->elements[index];
    if (reference == 0)
        TRAP(UninitializedElement);
    FunctionInstance* callee = decode_function(reference);
    FunctionType expected = m->instance->module->function_type(static_cast<u32>(ip[1].value));
    if (!(callee->signature == expected))
        TRAP(IndirectCallTypeMismatch);
    const Instr* next = enter(callee, ip + 3, sp, fp, m);
    if (!next)
        return;
    RELOAD_MEMORY();
    NEXT_AT(next);
}

// ---- parametric, variables, constants -------------------------------------------------------

HANDLER(Drop1)
{
    --sp;
    NEXT(1);
}
HANDLER(Drop2)
{
    sp -= 2;
    NEXT(1);
}
HANDLER(Select1)
{
    u32 condition = static_cast<u32>(*--sp);
    --sp;
    if (!condition)
        sp[-1] = sp[0];
    NEXT(1);
}
HANDLER(Select2)
{
    u32 condition = static_cast<u32>(*--sp);
    sp -= 2;
    if (!condition) {
        sp[-2] = sp[0];
        sp[-1] = sp[1];
    }
    NEXT(1);
}
HANDLER(LocalGet1)
{
    *sp++ = fp[ip[1].value];
    NEXT(2);
}
HANDLER(LocalGet2)
{
    u64* local = fp + ip[1].value;
    sp[0] = local[0];
    sp[1] = local[1];
    sp += 2;
    NEXT(2);
}
HANDLER(LocalSet1)
{
    fp[ip[1].value] = *--sp;
    NEXT(2);
}
HANDLER(LocalSet2)
{
    u64* local = fp + ip[1].value;
    sp -= 2;
    local[0] = sp[0];
    local[1] = sp[1];
    NEXT(2);
}
HANDLER(LocalTee1)
{
    fp[ip[1].value] = sp[-1];
    NEXT(2);
}
HANDLER(LocalTee2)
{
    u64* local = fp + ip[1].value;
    local[0] = sp[-2];
    local[1] = sp[-1];
    NEXT(2);
}
HANDLER(GlobalGet1)
{
    *sp++ = m->instance->globals[ip[1].value]->low;
    NEXT(2);
}
HANDLER(GlobalGet2)
{
    GlobalInstance* global = m->instance->globals[ip[1].value];
    sp[0] = global->low;
    sp[1] = global->high;
    sp += 2;
    NEXT(2);
}
HANDLER(GlobalSet1)
{
    m->instance->globals[ip[1].value]->low = *--sp;
    NEXT(2);
}
HANDLER(GlobalSet2)
{
    GlobalInstance* global = m->instance->globals[ip[1].value];
    sp -= 2;
    global->low = sp[0];
    global->high = sp[1];
    NEXT(2);
}
HANDLER(Const1)
{
    *sp++ = ip[1].value;
    NEXT(2);
}
HANDLER(Const2)
{
    sp[0] = ip[1].value;
    sp[1] = ip[2].value;
    sp += 2;
    NEXT(3);
}

// ---- numeric --------------------------------------------------------------------------------

#define ATH_UNARY_HANDLER(code, Name, Result, Operand, CResult, COperand, ...) \
    HANDLER(Name)                                                              \
    {                                                                          \
        COperand a = from_slot<COperand>(sp[-1]);                              \
        CResult r;                                                             \
        __VA_ARGS__                                                            \
        sp[-1] = to_slot<CResult>(r);                                          \
        NEXT(1);                                                               \
    }
#define ATH_BINARY_HANDLER(code, Name, Result, Operand, CResult, COperand, ...) \
    HANDLER(Name)                                                               \
    {                                                                           \
        COperand b = from_slot<COperand>(sp[-1]);                               \
        COperand a = from_slot<COperand>(sp[-2]);                               \
        CResult r;                                                              \
        __VA_ARGS__                                                             \
        --sp;                                                                   \
        sp[-1] = to_slot<CResult>(r);                                           \
        NEXT(1);                                                                \
    }
ATH_WASM_UNARY_OPS(ATH_UNARY_HANDLER)
ATH_WASM_SATURATING_OPS(ATH_UNARY_HANDLER)
ATH_WASM_COMPARE_OPS(ATH_BINARY_HANDLER)
ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_BINARY_HANDLER)

// Operand fetch for the fused forms: LL = two locals, SL = top and a local, SC = top and a
// constant, LC = a local and a constant. `words` is how many immediates the operands use.
// The checked memory access of every load and store handler: `address` is a u32 plus a u32 offset,
// so the sum never wraps in u64; an access past the memory's end traps.
#define ATH_LOAD_CHECKED(address, loaded)                           \
    do {                                                            \
        if ((address) + sizeof(loaded) > mem_size)                  \
            TRAP(OutOfBoundsMemoryAccess);                          \
        __builtin_memcpy(&(loaded), mem + (address), sizeof(loaded)); \
    } while (0)
#define ATH_STORE_CHECKED(address, stored)                          \
    do {                                                            \
        if ((address) + sizeof(stored) > mem_size)                  \
            TRAP(OutOfBoundsMemoryAccess);                          \
        __builtin_memcpy(mem + (address), &(stored), sizeof(stored)); \
    } while (0)

#define ATH_FUSED_OPERANDS_LL(COperand) COperand a = from_slot<COperand>(fp[ip[1].value]); COperand b = from_slot<COperand>(fp[ip[2].value]);
#define ATH_FUSED_OPERANDS_SL(COperand) COperand a = from_slot<COperand>(*--sp); COperand b = from_slot<COperand>(fp[ip[1].value]);
#define ATH_FUSED_OPERANDS_SC(COperand) COperand a = from_slot<COperand>(*--sp); COperand b = from_slot<COperand>(ip[1].value);
#define ATH_FUSED_OPERANDS_SS(COperand) COperand b = from_slot<COperand>(*--sp); COperand a = from_slot<COperand>(*--sp);
#define ATH_FUSED_OPERANDS_LC(COperand) COperand a = from_slot<COperand>(fp[ip[1].value]); COperand b = from_slot<COperand>(ip[2].value);
#define ATH_FUSED_OPERANDS_LS(COperand) COperand b = from_slot<COperand>(*--sp); COperand a = from_slot<COperand>(fp[ip[1].value]);
// SM: b is loaded from memory at local a + offset, with the operand's own width (the bounds trap
// comes first, as the load runs before the operation in the Wasm code).
#define ATH_FUSED_OPERANDS_SM(COperand)                                  \
    u64 address_ = static_cast<u32>(fp[ip[1].value]) + ip[2].value;      \
    COperand b;                                                          \
    ATH_LOAD_CHECKED(address_, b);                                       \
    COperand a = from_slot<COperand>(*--sp);

// The operands of a fused form and the operation's result `r`; the forms differ in where r goes.
#define ATH_FUSED_RESULT(Form, CResult, COperand, ...) \
    ATH_FUSED_OPERANDS_##Form(COperand)                \
    CResult r;                                         \
    __VA_ARGS__

#define ATH_FUSED_FORM(Name, Form, words, CResult, COperand, ...)       \
    HANDLER(Name##Form)                                                 \
    {                                                                   \
        ATH_FUSED_RESULT(Form, CResult, COperand, __VA_ARGS__)          \
        *sp++ = to_slot<CResult>(r);                                    \
        NEXT(1 + words);                                                \
    }                                                                   \
    HANDLER(Name##Form##S)                                              \
    {                                                                   \
        ATH_FUSED_RESULT(Form, CResult, COperand, __VA_ARGS__)          \
        fp[ip[1 + words].value] = to_slot<CResult>(r);                  \
        NEXT(2 + words);                                                \
    }                                                                   \
    HANDLER(Name##Form##T)                                              \
    {                                                                   \
        ATH_FUSED_RESULT(Form, CResult, COperand, __VA_ARGS__)          \
        fp[ip[1 + words].value] = *sp++ = to_slot<CResult>(r);          \
        NEXT(2 + words);                                                \
    }                                                                   \
    HANDLER(Name##Form##B)                                              \
    {                                                                   \
        ATH_FUSED_RESULT(Form, CResult, COperand, __VA_ARGS__)          \
        if (r)                                                          \
            BRANCH(target_of(ip + 1 + words));                         \
        NEXT(2 + words);                                                \
    }

#define ATH_FUSED_HANDLERS(code, Name, Result, Operand, CResult, COperand, ...) \
    ATH_FUSED_FORM(Name, LL, 2, CResult, COperand, __VA_ARGS__)                 \
    ATH_FUSED_FORM(Name, SL, 1, CResult, COperand, __VA_ARGS__)                 \
    ATH_FUSED_FORM(Name, SC, 1, CResult, COperand, __VA_ARGS__)                 \
    ATH_FUSED_FORM(Name, LC, 2, CResult, COperand, __VA_ARGS__)                 \
    ATH_FUSED_FORM(Name, SS, 0, CResult, COperand, __VA_ARGS__)                 \
    ATH_FUSED_FORM(Name, LS, 1, CResult, COperand, __VA_ARGS__)                 \
    ATH_FUSED_FORM(Name, SM, 2, CResult, COperand, __VA_ARGS__)
ATH_WASM_COMPARE_OPS(ATH_FUSED_HANDLERS)
ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_FUSED_HANDLERS)

#define ATH_UPDATE_HANDLER(code, Name, Result, Operand, CResult, COperand, ...) \
    HANDLER(Name##SMW)                                                          \
    {                                                                           \
        ATH_FUSED_OPERANDS_SM(COperand)                                         \
        CResult r;                                                              \
        __VA_ARGS__                                                             \
        static_assert(sizeof(CResult) == sizeof(COperand));                     \
        __builtin_memcpy(mem + address_, &r, sizeof(CResult));                  \
        NEXT(3);                                                                \
    }
ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_UPDATE_HANDLER)

#define ATH_STEP_ADD_LC(word) static_cast<u32>(word)
#define ATH_STEP_ADD_LL(word) static_cast<u32>(fp[word])
#define ATH_STEP_BOUND_C(word) static_cast<u32>(word)
#define ATH_STEP_BOUND_L(word) static_cast<u32>(fp[word])
#define ATH_STEP_FORM(Name, AddForm, Bound, ...)                                 \
    HANDLER(Name##Step##AddForm##Bound)                                          \
    {                                                                            \
        u32 a = static_cast<u32>(fp[ip[1].value]) + ATH_STEP_ADD_##AddForm(ip[2].value); \
        fp[ip[3].value] = a;                                                     \
        u32 b = ATH_STEP_BOUND_##Bound(ip[4].value);                             \
        u32 r;                                                                   \
        __VA_ARGS__                                                              \
        if (r)                                                                   \
            BRANCH(target_of(ip + 5));                                           \
        NEXT(6);                                                                 \
    }
#define ATH_STEP_HANDLERS(code, Name, Result, Operand, CResult, COperand, ...)  \
    ATH_STEP_FORM(Name, LC, C, __VA_ARGS__)                                     \
    ATH_STEP_FORM(Name, LC, L, __VA_ARGS__)                                     \
    ATH_STEP_FORM(Name, LL, C, __VA_ARGS__)                                     \
    ATH_STEP_FORM(Name, LL, L, __VA_ARGS__)
ATH_WASM_I32_COMPARE_OPS(ATH_STEP_HANDLERS)

HANDLER(I32AddLCSB)
{
    u32 value = static_cast<u32>(fp[ip[1].value]) + static_cast<u32>(ip[2].value);
    fp[ip[3].value] = value;
    if (value)
        BRANCH(target_of(ip + 4));
    NEXT(5);
}


#define ATH_MULTIPLY_ADD_FORM(Name, Form, words, CType)                          \
    HANDLER(Name##MulAdd##Form##W)                                               \
    {                                                                            \
        ATH_FUSED_OPERANDS_##Form(CType)                                         \
        CType product = a * b;                                                   \
        u64 address_ = static_cast<u32>(fp[ip[1 + (words)].value]) + ip[2 + (words)].value; \
        CType loaded;                                                            \
        ATH_LOAD_CHECKED(address_, loaded);                                      \
        CType sum = product + loaded;                                            \
        __builtin_memcpy(mem + address_, &sum, sizeof(CType));                   \
        NEXT(3 + (words));                                                       \
    }
#define ATH_MULTIPLY_ADD_HANDLERS(Name, CType)         \
    ATH_MULTIPLY_ADD_FORM(Name, LL, 2, CType)          \
    ATH_MULTIPLY_ADD_FORM(Name, SL, 1, CType)          \
    ATH_MULTIPLY_ADD_FORM(Name, SC, 1, CType)          \
    ATH_MULTIPLY_ADD_FORM(Name, LC, 2, CType)          \
    ATH_MULTIPLY_ADD_FORM(Name, SS, 0, CType)          \
    ATH_MULTIPLY_ADD_FORM(Name, LS, 1, CType)
ATH_MULTIPLY_ADD_HANDLERS(F32, f32)
ATH_MULTIPLY_ADD_HANDLERS(F64, f64)

#define ATH_SHIFTED_FORM(Name, Operator, Shift, expression)                       \
    HANDLER(Name##With##Shift)                                                   \
    {                                                                            \
        u32 value = static_cast<u32>(fp[ip[1].value]);                           \
        u32 count = static_cast<u32>(ip[2].value) & 31;                          \
        sp[-1] = static_cast<u32>(static_cast<u32>(sp[-1]) Operator (expression)); \
        NEXT(3);                                                                 \
    }                                                                            \
    HANDLER(Name##With##Shift##S)                                                \
    {                                                                            \
        u32 value = static_cast<u32>(fp[ip[1].value]);                           \
        u32 count = static_cast<u32>(ip[2].value) & 31;                          \
        fp[ip[3].value] = static_cast<u32>(static_cast<u32>(*--sp) Operator (expression)); \
        NEXT(4);                                                                 \
    }                                                                            \
    HANDLER(Name##With##Shift##T)                                                \
    {                                                                            \
        u32 value = static_cast<u32>(fp[ip[1].value]);                           \
        u32 count = static_cast<u32>(ip[2].value) & 31;                          \
        fp[ip[3].value] = sp[-1] = static_cast<u32>(static_cast<u32>(sp[-1]) Operator (expression)); \
        NEXT(4);                                                                 \
    }
#define ATH_SHIFTED_HANDLERS(Name, Operator)                                     \
    ATH_SHIFTED_FORM(Name, Operator, Shl, value << count)                        \
    ATH_SHIFTED_FORM(Name, Operator, ShrU, value >> count)                       \
    ATH_SHIFTED_FORM(Name, Operator, Rotl, rotate_left(value, count))            \
    ATH_SHIFTED_FORM(Name, Operator, Rotr, rotate_right(value, count))
ATH_WASM_SHIFTED_OPERAND_OPS(ATH_SHIFTED_HANDLERS)

// ---- memory ---------------------------------------------------------------------------------

#define ATH_LOAD_HANDLER(code, Name, Type, MemoryType, ValueCType, align)                    \
    HANDLER(Name)                                                                            \
    {                                                                                        \
        u64 address = static_cast<u32>(sp[-1]) + ip[1].value;                                \
        MemoryType loaded;                                                                   \
        ATH_LOAD_CHECKED(address, loaded);                                                   \
        sp[-1] = static_cast<u64>(static_cast<ValueCType>(loaded));                          \
        NEXT(2);                                                                             \
    }
ATH_WASM_LOAD_OPS(ATH_LOAD_HANDLER)

#define ATH_STORE_HANDLER(code, Name, Type, MemoryType, align)                               \
    HANDLER(Name)                                                                            \
    {                                                                                        \
        MemoryType stored = static_cast<MemoryType>(sp[-1]);                                 \
        u64 address = static_cast<u32>(sp[-2]) + ip[1].value;                                \
        sp -= 2;                                                                             \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(2);                                                                             \
    }
ATH_WASM_STORE_OPS(ATH_STORE_HANDLER)

// Kept out of line: a Result in a handler's scope would have a destructor, which forbids musttail.
[[gnu::noinline]] u32 grow_memory(MemoryInstance* memory, u32 delta)
{
    auto old = memory->grow_pages(delta);
    return old.is_error() ? 0xFFFFFFFFu : old.value();
}

[[gnu::noinline]] u32 grow_table(TableInstance* table, u32 delta, u64 initial)
{
    auto old = table->grow(delta, Value::from_raw(table->table_type.element, initial));
    return old.is_error() ? 0xFFFFFFFFu : old.value();
}

#define ATH_LOAD_LOCAL_HANDLER(code, Name, Type, MemoryType, ValueCType, align)               \
    HANDLER(Name##L)                                                                         \
    {                                                                                        \
        u64 address = static_cast<u32>(fp[ip[1].value]) + ip[2].value;                       \
        MemoryType loaded;                                                                   \
        ATH_LOAD_CHECKED(address, loaded);                                                   \
        *sp++ = static_cast<u64>(static_cast<ValueCType>(loaded));                           \
        NEXT(3);                                                                             \
    }
ATH_WASM_LOAD_OPS(ATH_LOAD_LOCAL_HANDLER)

// Loads with the address computed by an i32.add whose operands come as in its fused forms: the
// 32-bit sum (wrapping like i32.add) plus the load's offset. `pops` stack operands are replaced
// by the loaded value.
#define ATH_ADD_ADDRESS_LL u32 sum_ = static_cast<u32>(fp[ip[1].value]) + static_cast<u32>(fp[ip[2].value]); constexpr u64 pops_ = 0, words_ = 2;
#define ATH_ADD_ADDRESS_SL u32 sum_ = static_cast<u32>(sp[-1]) + static_cast<u32>(fp[ip[1].value]); constexpr u64 pops_ = 1, words_ = 1;
#define ATH_ADD_ADDRESS_SC u32 sum_ = static_cast<u32>(sp[-1]) + static_cast<u32>(ip[1].value); constexpr u64 pops_ = 1, words_ = 1;
#define ATH_ADD_ADDRESS_LC u32 sum_ = static_cast<u32>(fp[ip[1].value]) + static_cast<u32>(ip[2].value); constexpr u64 pops_ = 0, words_ = 2;
#define ATH_ADD_ADDRESS_SS u32 sum_ = static_cast<u32>(sp[-2]) + static_cast<u32>(sp[-1]); constexpr u64 pops_ = 2, words_ = 0;
#define ATH_ADD_ADDRESS_LS u32 sum_ = static_cast<u32>(fp[ip[1].value]) + static_cast<u32>(sp[-1]); constexpr u64 pops_ = 1, words_ = 1;
#define ATH_LOAD_ADDED_FORM(Name, Form, MemoryType, ValueCType)                              \
    HANDLER(Name##A##Form)                                                                   \
    {                                                                                        \
        ATH_ADD_ADDRESS_##Form                                                               \
        u64 address = static_cast<u64>(sum_) + ip[1 + words_].value;                         \
        MemoryType loaded;                                                                   \
        ATH_LOAD_CHECKED(address, loaded);                                                   \
        sp -= pops_;                                                                         \
        *sp++ = static_cast<u64>(static_cast<ValueCType>(loaded));                           \
        NEXT(2 + words_);                                                                    \
    }
#define ATH_LOAD_ADDED_HANDLERS(code, Name, Type, MemoryType, ValueCType, align)             \
    ATH_LOAD_ADDED_FORM(Name, LL, MemoryType, ValueCType)                                    \
    ATH_LOAD_ADDED_FORM(Name, SL, MemoryType, ValueCType)                                    \
    ATH_LOAD_ADDED_FORM(Name, SC, MemoryType, ValueCType)                                    \
    ATH_LOAD_ADDED_FORM(Name, LC, MemoryType, ValueCType)                                    \
    ATH_LOAD_ADDED_FORM(Name, SS, MemoryType, ValueCType)                                    \
    ATH_LOAD_ADDED_FORM(Name, LS, MemoryType, ValueCType)
ATH_WASM_LOAD_OPS(ATH_LOAD_ADDED_HANDLERS)

#define ATH_INDEX_BASE_L(word) static_cast<u32>(fp[word])
#define ATH_INDEX_BASE_C(word) static_cast<u32>(word)
#define ATH_LOAD_INDEXED_FORM(Name, Base, MemoryType, ValueCType)                             \
    HANDLER(Name##I##Base)                                                                   \
    {                                                                                        \
        u32 index_ = static_cast<u32>(fp[ip[1].value]) << (ip[2].value & 31);                \
        u32 sum_ = ATH_INDEX_BASE_##Base(ip[3].value) + index_;                              \
        u64 address = static_cast<u64>(sum_) + ip[4].value;                                  \
        MemoryType loaded;                                                                   \
        ATH_LOAD_CHECKED(address, loaded);                                                   \
        *sp++ = static_cast<u64>(static_cast<ValueCType>(loaded));                           \
        NEXT(5);                                                                             \
    }
#define ATH_LOAD_INDEXED_HANDLERS(code, Name, Type, MemoryType, ValueCType, align)           \
    ATH_LOAD_INDEXED_FORM(Name, L, MemoryType, ValueCType)                                   \
    ATH_LOAD_INDEXED_FORM(Name, C, MemoryType, ValueCType)
ATH_WASM_LOAD_OPS(ATH_LOAD_INDEXED_HANDLERS)

#define ATH_STORE_LOCAL_HANDLERS(code, Name, Type, MemoryType, align)                        \
    HANDLER(Name##LL)                                                                        \
    {                                                                                        \
        MemoryType stored = static_cast<MemoryType>(fp[ip[2].value]);                        \
        u64 address = static_cast<u32>(fp[ip[1].value]) + ip[3].value;                       \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(4);                                                                             \
    }                                                                                        \
    HANDLER(Name##SL)                                                                        \
    {                                                                                        \
        MemoryType stored = static_cast<MemoryType>(fp[ip[1].value]);                        \
        u64 address = static_cast<u32>(*--sp) + ip[2].value;                                 \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(3);                                                                             \
    }                                                                                        \
    HANDLER(Name##LS)                                                                        \
    {                                                                                        \
        MemoryType stored = static_cast<MemoryType>(*--sp);                                  \
        u64 address = static_cast<u32>(fp[ip[1].value]) + ip[2].value;                       \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(3);                                                                             \
    }
ATH_WASM_STORE_OPS(ATH_STORE_LOCAL_HANDLERS)

#define ATH_STORE_CONSTANT_HANDLERS(code, Name, Type, MemoryType, align)                     \
    HANDLER(Name##SC)                                                                        \
    {                                                                                        \
        MemoryType stored = static_cast<MemoryType>(ip[1].value);                            \
        u64 address = static_cast<u32>(*--sp) + ip[2].value;                                 \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(3);                                                                             \
    }                                                                                        \
    HANDLER(Name##LC)                                                                        \
    {                                                                                        \
        MemoryType stored = static_cast<MemoryType>(ip[2].value);                            \
        u64 address = static_cast<u32>(fp[ip[1].value]) + ip[3].value;                       \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(4);                                                                             \
    }
ATH_WASM_STORE_OPS(ATH_STORE_CONSTANT_HANDLERS)

// Stores with the address computed by an i32.add (operands as in its fused forms) and the value
// from a local (L) or a constant (C).
#define ATH_STORE_VALUE_L(word) fp[word]
#define ATH_STORE_VALUE_C(word) (word)
#define ATH_STORE_ADDED_FORM(Name, Form, V, MemoryType)                                      \
    HANDLER(Name##A##Form##V)                                                                \
    {                                                                                        \
        ATH_ADD_ADDRESS_##Form                                                               \
        MemoryType stored = static_cast<MemoryType>(ATH_STORE_VALUE_##V(ip[1 + words_].value)); \
        u64 address = static_cast<u64>(sum_) + ip[2 + words_].value;                         \
        sp -= pops_;                                                                         \
        ATH_STORE_CHECKED(address, stored);                                                  \
        NEXT(3 + words_);                                                                    \
    }
#define ATH_STORE_ADDED_HANDLERS_OF(Name, V, MemoryType)                                     \
    ATH_STORE_ADDED_FORM(Name, LL, V, MemoryType)                                            \
    ATH_STORE_ADDED_FORM(Name, SL, V, MemoryType)                                            \
    ATH_STORE_ADDED_FORM(Name, SC, V, MemoryType)                                            \
    ATH_STORE_ADDED_FORM(Name, LC, V, MemoryType)                                            \
    ATH_STORE_ADDED_FORM(Name, SS, V, MemoryType)                                            \
    ATH_STORE_ADDED_FORM(Name, LS, V, MemoryType)
#define ATH_STORE_ADDED_HANDLERS(code, Name, Type, MemoryType, align)                        \
    ATH_STORE_ADDED_HANDLERS_OF(Name, L, MemoryType)                                         \
    ATH_STORE_ADDED_HANDLERS_OF(Name, C, MemoryType)
ATH_WASM_STORE_OPS(ATH_STORE_ADDED_HANDLERS)

HANDLER(LocalSetConstant)
{
    fp[ip[1].value] = ip[2].value;
    NEXT(3);
}

HANDLER(LocalCopy)
{
    fp[ip[2].value] = fp[ip[1].value];
    NEXT(3);
}

HANDLER(MemorySize)
{
    *sp++ = m->memory->pages;
    NEXT(1);
}

HANDLER(MemoryGrow)
{
    u32 delta = static_cast<u32>(sp[-1]);
    sp[-1] = grow_memory(m->memory, delta);
    RELOAD_MEMORY();
    NEXT(1);
}

inline bool range_ok(u64 offset, u64 length, u64 size) { return offset <= size && length <= size - offset; }

// The three i32 operands of the bulk memory and table instructions, the top three slots (the
// handler pops them): destination, source (or fill value), length.
struct BulkOperands {
    u64 destination;
    u64 source;
    u64 length;
};
inline BulkOperands bulk_operands(const u64* sp)
{
    return { static_cast<u32>(sp[-3]), static_cast<u32>(sp[-2]), static_cast<u32>(sp[-1]) };
}
// Both ranges of a copy lie inside their spaces.
inline bool copy_in_range(const BulkOperands& operands, u64 source_size, u64 destination_size)
{
    return range_ok(operands.source, operands.length, source_size) && range_ok(operands.destination, operands.length, destination_size);
}

HANDLER(MemoryCopy)
{
    BulkOperands operands = bulk_operands(sp);
    auto [destination, source, length] = operands;
    sp -= 3;
    MemoryInstance* memory = m->memory;
    if (!copy_in_range(operands, memory->byte_size, memory->byte_size))
        TRAP(OutOfBoundsMemoryAccess);
    if (length)
        __builtin_memmove(memory->base + destination, memory->base + source, length);
    NEXT(1);
}

HANDLER(MemoryFill)
{
    auto [destination, value, length] = bulk_operands(sp);
    sp -= 3;
    MemoryInstance* memory = m->memory;
    if (!range_ok(destination, length, memory->byte_size))
        TRAP(OutOfBoundsMemoryAccess);
    if (length)
        __builtin_memset(memory->base + destination, static_cast<u8>(value), length);
    NEXT(1);
}

HANDLER(MemoryInit)
{
    BulkOperands operands = bulk_operands(sp);
    auto [destination, source, length] = operands;
    sp -= 3;
    u32 index = static_cast<u32>(ip[1].value);
    InstanceData* instance = m->instance;
    ReadonlyBytes segment = instance->data_dropped[index] ? ReadonlyBytes() : instance->module->data_segments[index].bytes;
    MemoryInstance* memory = m->memory;
    if (!copy_in_range(operands, segment.size(), memory->byte_size))
        TRAP(OutOfBoundsMemoryAccess);
    if (length)
        __builtin_memcpy(memory->base + destination, segment.data() + source, length);
    NEXT(2);
}

HANDLER(DataDrop)
{
    m->instance->data_dropped[ip[1].value] = 1;
    NEXT(2);
}

// ---- tables and references ------------------------------------------------------------------

HANDLER(TableGet)
{
    TableInstance* table = m->instance->tables[ip[1].value];
    u32 index = static_cast<u32>(sp[-1]);
    if (index >= table->elements.size())
        TRAP(OutOfBoundsTableAccess);
    sp[-1] = table->elements[index];
    NEXT(2);
}

HANDLER(TableSet)
{
    TableInstance* table = m->instance->tables[ip[1].value];
    u64 value = sp[-1];
    u32 index = static_cast<u32>(sp[-2]);
    sp -= 2;
    if (index >= table->elements.size())
        TRAP(OutOfBoundsTableAccess);
    table->elements[index] = value;
    NEXT(2);
}

HANDLER(TableSize)
{
    *sp++ = m->instance->tables[ip[1].value]->elements.size();
    NEXT(2);
}

HANDLER(TableGrow)
{
    TableInstance* table = m->instance->tables[ip[1].value];
    u32 delta = static_cast<u32>(sp[-1]);
    u64 initial = sp[-2];
    --sp;
    sp[-1] = grow_table(table, delta, initial);
    NEXT(2);
}

HANDLER(TableFill)
{
    TableInstance* table = m->instance->tables[ip[1].value];
    u64 value = sp[-2]; // a reference: all 64 bits
    auto [destination, unused, length] = bulk_operands(sp);
    sp -= 3;
    if (!range_ok(destination, length, table->elements.size()))
        TRAP(OutOfBoundsTableAccess);
    for (u64 i = 0; i < length; ++i)
        table->elements[destination + i] = value;
    NEXT(2);
}

HANDLER(TableCopy)
{
    TableInstance* destination_table = m->instance->tables[ip[1].value];
    TableInstance* source_table = m->instance->tables[ip[2].value];
    BulkOperands operands = bulk_operands(sp);
    auto [destination, source, length] = operands;
    sp -= 3;
    if (!copy_in_range(operands, source_table->elements.size(), destination_table->elements.size()))
        TRAP(OutOfBoundsTableAccess);
    if (length)
        __builtin_memmove(destination_table->elements.data() + destination, source_table->elements.data() + source, length * sizeof(u64));
    NEXT(3);
}

HANDLER(TableInit)
{
    InstanceData* instance = m->instance;
    TableInstance* table = instance->tables[ip[1].value];
    u32 segment = static_cast<u32>(ip[2].value);
    BulkOperands operands = bulk_operands(sp);
    auto [destination, source, length] = operands;
    sp -= 3;
    u64 segment_length = instance->element_lengths[segment];
    if (!copy_in_range(operands, segment_length, table->elements.size()))
        TRAP(OutOfBoundsTableAccess);
    const u64* items = instance->element_values.data() + instance->element_starts[segment];
    for (u64 i = 0; i < length; ++i)
        table->elements[destination + i] = items[source + i];
    NEXT(3);
}

HANDLER(ElemDrop)
{
    m->instance->element_lengths[ip[1].value] = 0;
    NEXT(2);
}

HANDLER(RefIsNull)
{
    sp[-1] = sp[-1] == 0;
    NEXT(1);
}

HANDLER(RefFunc)
{
    *sp++ = encode_function(m->instance->functions[ip[1].value]);
    NEXT(2);
}

#include <kernel/wasm/SimdHandlers.inc>

constexpr Handler handlers[] = {
#define ATH_HANDLER_NAME(Name) op_##Name,
#define ATH_HANDLER_FROM_LIST(opcode, Name, ...) op_##Name,
    ATH_WASM_CONTROL_OPS(ATH_HANDLER_NAME)
    ATH_WASM_COMPARE_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_UNARY_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_SATURATING_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_LOAD_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_STORE_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_SIMD_LISTED_OPS(ATH_HANDLER_FROM_LIST)
    ATH_WASM_SIMD_SPECIAL_OPS(ATH_HANDLER_NAME)
#define ATH_HANDLER_FUSED(opcode, Name, ...)                                                                 \
    op_##Name##LL, op_##Name##SL, op_##Name##SC, op_##Name##LC, op_##Name##SS, op_##Name##LS, op_##Name##SM,  \
    op_##Name##LLS, op_##Name##SLS, op_##Name##SCS, op_##Name##LCS, op_##Name##SSS, op_##Name##LSS,          \
    op_##Name##SMS,                                                                                          \
    op_##Name##LLT, op_##Name##SLT, op_##Name##SCT, op_##Name##LCT, op_##Name##SST, op_##Name##LST,          \
    op_##Name##SMT,                                                                                          \
    op_##Name##LLB, op_##Name##SLB, op_##Name##SCB, op_##Name##LCB, op_##Name##SSB, op_##Name##LSB,          \
    op_##Name##SMB,
#define ATH_HANDLER_LOAD_FUSED(opcode, Name, ...) \
    op_##Name##L, op_##Name##ALL, op_##Name##ASL, op_##Name##ASC, op_##Name##ALC, op_##Name##ASS, op_##Name##ALS, \
    op_##Name##IL, op_##Name##IC,
#define ATH_HANDLER_STORE_FUSED(opcode, Name, ...)                                                       \
    op_##Name##LL, op_##Name##SL, op_##Name##LS, op_##Name##SC, op_##Name##LC,                           \
    op_##Name##ALLL, op_##Name##ASLL, op_##Name##ASCL, op_##Name##ALCL, op_##Name##ASSL, op_##Name##ALSL, \
    op_##Name##ALLC, op_##Name##ASLC, op_##Name##ASCC, op_##Name##ALCC, op_##Name##ASSC, op_##Name##ALSC,
    ATH_WASM_LOAD_OPS(ATH_HANDLER_LOAD_FUSED)
    ATH_WASM_STORE_OPS(ATH_HANDLER_STORE_FUSED)
#undef ATH_HANDLER_LOAD_FUSED
#undef ATH_HANDLER_STORE_FUSED
    op_Unreachable, // FirstFused: a marker, never emitted
    ATH_WASM_COMPARE_OPS(ATH_HANDLER_FUSED)
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_HANDLER_FUSED)
    op_Unreachable, // FusedEnd: a marker, never emitted
#define ATH_HANDLER_UPDATE(opcode, Name, ...) op_##Name##SMW,
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_HANDLER_UPDATE)
#undef ATH_HANDLER_UPDATE
#define ATH_HANDLER_STEP(opcode, Name, ...) op_##Name##StepLCC, op_##Name##StepLCL, op_##Name##StepLLC, op_##Name##StepLLL,
    ATH_WASM_I32_COMPARE_OPS(ATH_HANDLER_STEP)
#undef ATH_HANDLER_STEP
    op_I32AddLCSB,
    op_F32MulAddLLW, op_F32MulAddSLW, op_F32MulAddSCW, op_F32MulAddLCW, op_F32MulAddSSW, op_F32MulAddLSW,
    op_F64MulAddLLW, op_F64MulAddSLW, op_F64MulAddSCW, op_F64MulAddLCW, op_F64MulAddSSW, op_F64MulAddLSW,
#define ATH_HANDLER_SHIFTED(Name, Operator) op_##Name##WithShl, op_##Name##WithShrU, op_##Name##WithRotl, op_##Name##WithRotr,
#define ATH_HANDLER_SHIFTED_S(Name, Operator) op_##Name##WithShlS, op_##Name##WithShrUS, op_##Name##WithRotlS, op_##Name##WithRotrS,
#define ATH_HANDLER_SHIFTED_T(Name, Operator) op_##Name##WithShlT, op_##Name##WithShrUT, op_##Name##WithRotlT, op_##Name##WithRotrT,
    ATH_WASM_SHIFTED_OPERAND_OPS(ATH_HANDLER_SHIFTED)
    ATH_WASM_SHIFTED_OPERAND_OPS(ATH_HANDLER_SHIFTED_S)
    ATH_WASM_SHIFTED_OPERAND_OPS(ATH_HANDLER_SHIFTED_T)
#undef ATH_HANDLER_SHIFTED
#undef ATH_HANDLER_SHIFTED_S
#undef ATH_HANDLER_SHIFTED_T
#undef ATH_HANDLER_FUSED
#undef ATH_HANDLER_NAME
#undef ATH_HANDLER_FROM_LIST
};
static_assert(sizeof(handlers) / sizeof(handlers[0]) == static_cast<usize>(Op::Count), "one handler per operation");

} // namespace

Handler handler_of(Op op) { return handlers[static_cast<usize>(op)]; }

namespace {
constexpr Instr exit_code[1] = { Instr { .handler = op_Exit } };
}

bool run_function(FunctionInstance& function, u64* base, Machine* m)
{
    u64* sp = base + function.parameter_slots;
    u64* fp = nullptr;
    const Instr* next = enter(&function, exit_code, sp, fp, m);
    if (!next)
        return false;
    u8* mem = m->memory ? m->memory->base : nullptr;
    u64 mem_size = m->memory ? m->memory->byte_size : 0;
    next->handler(next, sp, fp, m, mem, mem_size);
    return !m->trapped;
}

} // namespace ath::wasm
