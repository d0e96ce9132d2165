// Validation and translation of one function body in a single pass. The validator follows the
// spec's algorithm (operand stack of types with an "unknown" type for unreachable code, control
// stack of frames); while the code is reachable every instruction is also emitted as internal code
// (Code.h) with its stack slot heights resolved.
#include <kernel/lib/Bits.h>
#include <kernel/wasm/Compiler.h>
#include <kernel/wasm/Reader.h>

namespace ath::wasm {

namespace {

constexpr ValueType Unknown = static_cast<ValueType>(0);

Error invalid(u64 offset, const char* reason) { return Error::at(ErrorCode::Invalid, offset, reason); }

bool is_numeric_or_vector(ValueType type)
{
    return type == ValueType::I32 || type == ValueType::I64 || type == ValueType::F32 || type == ValueType::F64 || type == ValueType::V128;
}

} // namespace

FunctionCompiler::FunctionCompiler(ModuleData& module, u32 function_index)
    : m_module(module)
    , m_function(module.functions[function_index])
    , m_code(module.code)
    , m_reader(ReadonlyBytes(module.bytes + m_function.body_offset, m_function.body_size), m_function.body_offset)
    , m_stack(*module.allocator)
    , m_origins(*module.allocator)
    , m_last_write(*module.allocator)
    , m_control(*module.allocator)
    , m_local_slots(*module.allocator)
{
}

ValueType FunctionCompiler::local_type(u32 index) const { return m_module.type_pool[m_function.local_types_offset + index]; }

void FunctionCompiler::emit(Op op)
{
    if (!m_live)
        return;
    m_recent[1] = m_recent[0];
    m_recent[0] = EmittedInstruction { op, m_code.size() };
    // Branches, calls and returns use absolute stack heights: no stack entry pushed before one
    // may be taken out of the stack afterwards.
    if (static_cast<u32>(op) <= static_cast<u32>(Op::CallIndirect))
        m_fence = m_code.size();
    m_emit_error = m_emit_error.is_error() ? m_emit_error : m_code.append(Instr { .handler = handler_of(op) });
}

// Peephole for binary operations: operands that the previous one or two instructions pushed from
// a local or a constant are folded into the operation. Only instructions after the last branch
// target may be absorbed, so no jump can land inside the fused sequence.
void FunctionCompiler::emit_binary(Op plain, Op locals, Op stack_local, Op stack_constant, Op local_constant, ValueType operand)
{
    if (!m_live || m_emit_error.is_error())
        return;
    auto absorbable = [this](const EmittedInstruction& instruction, Op op, usize end) {
        return instruction.op == op && instruction.position >= m_barrier && instruction.position + 2 == end;
    };
    const EmittedInstruction last = m_recent[0];
    const EmittedInstruction before = m_recent[1];
    usize end = m_code.size();
    bool last_is_local = absorbable(last, Op::LocalGet1, end);
    bool last_is_constant = absorbable(last, Op::Const1, end);
    // `x - c` is `x + (-c)` in wrapping integer arithmetic: subtracting a constant becomes an add,
    // so every add fusion (address forms, loop steps) applies to it too.
    if (last_is_constant && (plain == Op::I32Sub || plain == Op::I64Sub)) {
        u64 constant = m_code[last.position + 1].value;
        bool wide = plain == Op::I64Sub;
        m_code[last.position + 1].value = wide ? 0 - constant : static_cast<u32>(0u - static_cast<u32>(constant));
        plain = wide ? Op::I64Add : Op::I32Add;
        locals = wide ? Op::I64AddLL : Op::I32AddLL;
        stack_local = wide ? Op::I64AddSL : Op::I32AddSL;
        stack_constant = wide ? Op::I64AddSC : Op::I32AddSC;
        local_constant = wide ? Op::I64AddLC : Op::I32AddLC;
    }
    if (!last_is_local && !last_is_constant) {
        // b is `local.get x; i32.const c; i32.<shift>` (its LC form, just before): a barrel-shifter
        // operand, the same immediates. Not when a is a removable local.get or tee: LS does as
        // well then, and an add in LS form may still become a scaled-index load.
        if (auto shifted = shifted_operand_form(plain, last, end); shifted.has_value() && !origin_removable(0)) {
            rewrite_newest(shifted.value());
            return;
        }
        // b is on the stack. SM: b is the newest instruction, a full-width load of the operand
        // type from a local address; LS: a came from a removable local.get or tee.
        u32 group_base = static_cast<u32>(Op::FirstFused) + 1 + (static_cast<u32>(plain) - static_cast<u32>(Op::I32Eq)) * fused_forms;
        Op load = operand == ValueType::I32 ? Op::I32LoadL
            : operand == ValueType::I64     ? Op::I64LoadL
            : operand == ValueType::F32     ? Op::F32LoadL
                                            : Op::F64LoadL;
        if (last.op == load && last.position >= m_barrier && last.position + 3 == end) {
            u64 address_slot = m_code[last.position + 1].value;
            u64 offset = m_code[last.position + 2].value;
            m_code.shrink(last.position);
            m_recent[0] = m_recent[1];
            m_recent[1] = EmittedInstruction {};
            emit(static_cast<Op>(group_base + static_cast<u32>(FusedForm::SM)));
            emit_value(address_slot);
            emit_value(offset);
            return;
        }
        if (origin_removable(0)) {
            u64 slot = remove_origin(0);
            emit(static_cast<Op>(group_base + static_cast<u32>(FusedForm::LS)));
            emit_value(slot);
            return;
        }
        emit(plain);
        return;
    }
    u64 last_immediate = m_code[last.position + 1].value;
    bool before_is_local = absorbable(before, Op::LocalGet1, last.position);
    if (before_is_local) {
        m_recent[0] = m_recent[1] = EmittedInstruction {};
        u64 first_slot = m_code[before.position + 1].value;
        m_code.shrink(before.position);
        emit(last_is_local ? locals : local_constant);
        emit_value(first_slot);
        emit_value(last_immediate);
        return;
    }
    // a from a removable local.get further back (see StackOrigin): both operands come from
    // locals or constants after all. (A tee is left alone: turning it into a set saves nothing
    // and would hide a loop step's add from emit_loop_step.)
    if (m_popped[0].kind == OriginGet && origin_removable(0)) {
        u64 first_slot = remove_origin(0); // may move `last` down
        const EmittedInstruction moved = m_recent[0];
        m_code.shrink(moved.position);
        m_recent[0] = m_recent[1];
        m_recent[1] = EmittedInstruction {};
        emit(last_is_local ? locals : local_constant);
        emit_value(first_slot);
        emit_value(last_immediate);
        return;
    }
    // `before` stays the instruction just before the fused one (a scaled-index load looks at it).
    m_recent[0] = before;
    m_recent[1] = EmittedInstruction {};
    m_code.shrink(last.position);
    emit(last_is_local ? stack_local : stack_constant);
    emit_value(last_immediate);
}

// remove_origin relies on the shifted-operand T forms being the last operations.
static_assert(static_cast<u32>(Op::I32XorWithRotrT) + 1 == static_cast<u32>(Op::Count));

// The NameWith<Shift> operation for `plain` if `last` is a shift or rotate in LC form that ends
// at `end` after the last branch target.
Optional<Op> FunctionCompiler::shifted_operand_form(Op plain, const EmittedInstruction& last, usize end) const
{
    constexpr Op shifts[] = { Op::I32ShlLC, Op::I32ShrULC, Op::I32RotlLC, Op::I32RotrLC };
    constexpr Op operations[] = {
#define ATH_SHIFTED_OPERATION(Name, Operator) Op::Name,
        ATH_WASM_SHIFTED_OPERAND_OPS(ATH_SHIFTED_OPERATION)
#undef ATH_SHIFTED_OPERATION
    };
    if (last.position < m_barrier || last.position + 3 != end)
        return {};
    for (u32 operation = 0; operation < sizeof(operations) / sizeof(operations[0]); ++operation) {
        if (operations[operation] != plain)
            continue;
        for (u32 shift = 0; shift < 4; ++shift) {
            if (last.op == shifts[shift])
                return static_cast<Op>(static_cast<u32>(Op::I32AddWithShl) + operation * 4 + shift);
        }
    }
    return {};
}

#define ATH_COUNT_ONE(...) +1
#define ATH_COUNT_OPERATION(...) +1
constexpr u32 compare_operation_count = 0 ATH_WASM_COMPARE_OPS(ATH_COUNT_OPERATION);
constexpr u32 binary_operation_count = 0 ATH_WASM_COMPARE_OPS(ATH_COUNT_OPERATION) ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_COUNT_OPERATION);
#undef ATH_COUNT_OPERATION
#define ATH_OPERAND_TYPE(code, Name, Result, Operand, ...) ValueType::Operand,
constexpr ValueType arithmetic_operand_types[] = { ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_OPERAND_TYPE) };
#undef ATH_OPERAND_TYPE
static_assert(static_cast<u32>(Op::FusedEnd) == static_cast<u32>(Op::FirstFused) + 1 + binary_operation_count * fused_forms);
// The plain binary operations sit back to back, compare list first, as the fused groups do.
static_assert(static_cast<u32>(Op::F64CopysignLL) == static_cast<u32>(Op::FirstFused) + 1 + (binary_operation_count - 1) * fused_forms);
static_assert(static_cast<u32>(Op::F64Copysign) == static_cast<u32>(Op::I32Eq) + binary_operation_count - 1);

// If the newest instruction is a fused binary operation in its push form, ends the code, and no
// branch lands after its start, returns it so a following local.set/tee/br_if can join it.
Optional<Op> FunctionCompiler::joinable_fused_operation() const
{
    const EmittedInstruction last = m_recent[0];
    auto first = static_cast<u32>(Op::FirstFused) + 1;
    auto value = static_cast<u32>(last.op);
    if (!m_live || last.position < m_barrier)
        return {};
    // A plain binary operation (both operands on the stack) joins as its SS form. The plain ones
    // are consecutive in Op (compare list, then arithmetic list), in the fused groups' order.
    auto first_plain = static_cast<u32>(Op::I32Eq);
    if (value >= first_plain && value < first_plain + binary_operation_count) {
        if (last.position + 1 != m_code.size())
            return {};
        return static_cast<Op>(first + (value - first_plain) * fused_forms + 4);
    }
    if (value < first || value >= static_cast<u32>(Op::FusedEnd))
        return {};
    u32 form = (value - first) % fused_forms;
    if (form >= fused_forms_per_group)
        return {};
    usize words = 1 + fused_operand_words[form];
    if (last.position + words != m_code.size())
        return {};
    return last.op;
}

void FunctionCompiler::rewrite_newest(Op op)
{
    m_code[m_recent[0].position].handler = handler_of(op);
    m_recent[0].op = op;
}

// Loads: `local.get a; load` -> load_from_local {a, offset} (`single` is that form).
// Stores: `local.get a; local.get v; store` -> store_locals {a, v, offset} (`pair`), or
// `...; local.get v; store` -> store_from_local {v, offset} (`single`).
void FunctionCompiler::emit_memory_access(Op plain, Op single, Op pair, Op local_stack, u64 offset)
{
    if (!m_live || m_emit_error.is_error())
        return;
    const EmittedInstruction last = m_recent[0];
    const EmittedInstruction before = m_recent[1];
    bool last_is_local = last.op == Op::LocalGet1 && last.position >= m_barrier && last.position + 2 == m_code.size();
    if (!last_is_local) {
        // A store whose address came from a removable local.get or tee (popped second).
        if (local_stack != Op::Count && origin_removable(0)) {
            u64 slot = remove_origin(0);
            emit(local_stack);
            emit_value(slot);
            emit_value(offset);
            return;
        }
        // A load whose address the newest instruction computes with i32.add: the add's handler
        // word becomes the load's (same operand immediates), then the offset follows.
        if (pair == Op::Count) {
            if (auto form = address_add_form(last, m_code.size()); form.has_value()) {
                // A scaled index: the add's stack operand is `local.get i; i32.const k; i32.shl`.
                bool one_on_stack = form.value() == static_cast<u32>(FusedForm::SL) || form.value() == static_cast<u32>(FusedForm::SC)
                    || form.value() == static_cast<u32>(FusedForm::LS);
                if (one_on_stack && before.op == Op::I32ShlLC && before.position >= m_barrier && before.position + 3 == last.position) {
                    u64 index_slot = m_code[before.position + 1].value;
                    u64 shift = m_code[before.position + 2].value;
                    u64 base = m_code[last.position + 1].value;
                    bool constant_base = form.value() == static_cast<u32>(FusedForm::SC);
                    m_code.shrink(before.position);
                    m_recent[0] = m_recent[1] = EmittedInstruction {};
                    emit(static_cast<Op>(static_cast<u32>(single) + 7 + (constant_base ? 1 : 0)));
                    emit_value(index_slot);
                    emit_value(shift);
                    emit_value(base);
                    emit_value(offset);
                    return;
                }
                rewrite_newest(static_cast<Op>(static_cast<u32>(single) + 1 + form.value()));
                emit_value(offset);
                return;
            }
        }
        emit(plain);
        emit_value(offset);
        return;
    }
    u64 last_slot = m_code[last.position + 1].value;
    bool before_is_local = pair != Op::Count && before.op == Op::LocalGet1 && before.position >= m_barrier
        && before.position + 2 == last.position;
    // `before` stays the instruction just before the new one (a multiply-add looks at it).
    m_recent[0] = before_is_local ? EmittedInstruction {} : before;
    m_recent[1] = EmittedInstruction {};
    if (before_is_local) {
        u64 address_slot = m_code[before.position + 1].value;
        m_code.shrink(before.position);
        emit(pair);
        emit_value(address_slot);
        emit_value(last_slot);
        emit_value(offset);
        return;
    }
    m_code.shrink(last.position);
    emit(single);
    emit_value(last_slot);
    emit_value(offset);
}

// The operand form (FusedForm, SM excluded) of `instruction` if it is an i32.add in push form that
// ends at `end` after the last branch target.
Optional<u32> FunctionCompiler::address_add_form(const EmittedInstruction& instruction, usize end) const
{
    if (instruction.position < m_barrier)
        return {};
    u32 first_add = static_cast<u32>(Op::I32AddLL);
    u32 value = static_cast<u32>(instruction.op);
    Optional<u32> form;
    if (instruction.op == Op::I32Add)
        form = static_cast<u32>(FusedForm::SS);
    else if (value >= first_add && value < first_add + fused_forms_per_group && value != first_add + static_cast<u32>(FusedForm::SM))
        form = value - first_add;
    if (!form.has_value() || instruction.position + 1 + fused_operand_words[form.value()] != end)
        return {};
    return form;
}

// Stores (`fused` is NameLL, the first of the fused store forms): the value from a local or a
// constant pushed just before joins the store, and so does an address from a local.get or an
// i32.add just before that; an address from a removable local.get or tee (see StackOrigin) joins
// a value computed on the stack.
void FunctionCompiler::emit_store(Op plain, Op fused, u64 offset)
{
    if (!m_live || m_emit_error.is_error())
        return;
    auto form = [fused](StoreForm base, u32 index = 0) { return static_cast<Op>(static_cast<u32>(fused) + static_cast<u32>(base) + index); };
    const EmittedInstruction last = m_recent[0];
    const EmittedInstruction before = m_recent[1];
    bool joinable = last.position >= m_barrier && last.position + 2 == m_code.size();
    bool value_local = joinable && last.op == Op::LocalGet1;
    bool value_constant = joinable && last.op == Op::Const1;
    if (!value_local && !value_constant) {
        if (origin_removable(0)) {
            u64 slot = remove_origin(0);
            // `local.get p ... local.get p; T.load o; T.op; T.store o` with the full-width T: the
            // operation's SM form becomes its in-place update of that memory.
            const EmittedInstruction newest = m_recent[0];
            u32 first_fused = static_cast<u32>(Op::FirstFused) + 1;
            u32 value = static_cast<u32>(newest.op);
            ValueType stored = plain == Op::I32Store ? ValueType::I32
                : plain == Op::I64Store             ? ValueType::I64
                : plain == Op::F32Store             ? ValueType::F32
                : plain == Op::F64Store             ? ValueType::F64
                                                    : Unknown;
            if (stored != Unknown && newest.position >= m_barrier && newest.position + 3 == m_code.size() && value >= first_fused
                && value < static_cast<u32>(Op::FusedEnd) && (value - first_fused) % fused_forms == static_cast<u32>(FusedForm::SM)) {
                u32 operation = (value - first_fused) / fused_forms;
                if (operation >= compare_operation_count && arithmetic_operand_types[operation - compare_operation_count] == stored
                    && m_code[newest.position + 1].value == slot && m_code[newest.position + 2].value == offset) {
                    rewrite_newest(static_cast<Op>(static_cast<u32>(Op::FusedEnd) + 1 + operation - compare_operation_count));
                    join_multiply_add();
                    return;
                }
            }
            emit(form(StoreForm::LS));
            emit_value(slot);
            emit_value(offset);
            return;
        }
        emit(plain);
        emit_value(offset);
        return;
    }
    u64 value = m_code[last.position + 1].value;
    m_code.shrink(last.position);
    m_recent[0] = before;
    m_recent[1] = EmittedInstruction {};
    if (before.op == Op::LocalGet1 && before.position >= m_barrier && before.position + 2 == last.position) {
        u64 address_slot = m_code[before.position + 1].value;
        m_code.shrink(before.position);
        m_recent[0] = EmittedInstruction {};
        emit(form(value_local ? StoreForm::LL : StoreForm::LC));
        emit_value(address_slot);
        emit_value(value);
        emit_value(offset);
        return;
    }
    if (auto add = address_add_form(before, last.position); add.has_value()) {
        rewrite_newest(form(value_local ? StoreForm::AddedLocal : StoreForm::AddedConstant, add.value()));
        emit_value(value);
        emit_value(offset);
        return;
    }
    emit(form(value_local ? StoreForm::SL : StoreForm::SC));
    emit_value(value);
    emit_value(offset);
}

// `x[i] += a * b` in floats: an in-place add (F32AddSMW / F64AddSMW, the newest instruction) whose
// pushed operand is the product the instruction just before computes (a multiply in any operand
// form but SM) becomes one multiply-add update: <T>MulAdd<form>W {the multiply's operands, slot,
// offset}. Both roundings stay (the product is rounded before the add: no fused multiply-add).
void FunctionCompiler::join_multiply_add()
{
    const EmittedInstruction update = m_recent[0];
    const EmittedInstruction product = m_recent[1];
    Op first;
    Op multiply;
    if (update.op == Op::F64AddSMW) {
        first = Op::F64MulAddLLW;
        multiply = Op::F64Mul;
    } else if (update.op == Op::F32AddSMW) {
        first = Op::F32MulAddLLW;
        multiply = Op::F32Mul;
    } else {
        return;
    }
    if (product.position < m_barrier)
        return;
    u32 first_fused = static_cast<u32>(Op::FirstFused) + 1;
    u32 group = first_fused + (static_cast<u32>(multiply) - static_cast<u32>(Op::I32Eq)) * fused_forms;
    u32 value = static_cast<u32>(product.op);
    Optional<u32> form;
    if (product.op == multiply)
        form = static_cast<u32>(FusedForm::SS);
    else if (value >= group && value < group + fused_forms_per_group && value != group + static_cast<u32>(FusedForm::SM))
        form = value - group;
    if (!form.has_value() || product.position + 1 + fused_operand_words[form.value()] != update.position)
        return;
    // Drop the update's handler word: its {slot, offset} follow the multiply's operands.
    m_code[update.position] = m_code[update.position + 1];
    m_code[update.position + 1] = m_code[update.position + 2];
    m_code.shrink(update.position + 2);
    m_code[product.position].handler = handler_of(static_cast<Op>(static_cast<u32>(first) + form.value()));
    m_recent[0] = EmittedInstruction { static_cast<Op>(static_cast<u32>(first) + form.value()), product.position };
    m_recent[1] = EmittedInstruction {};
}

void FunctionCompiler::note_local_write(u64 slot, bool wide)
{
    if (!m_live || slot >= m_last_write.size())
        return;
    m_last_write[slot] = m_recent[0].position;
    if (wide && slot + 1 < m_last_write.size())
        m_last_write[slot + 1] = m_recent[0].position;
}

void FunctionCompiler::set_top_origin(u8 kind, u64 slot)
{
    if (!m_live || m_origins.is_empty())
        return;
    m_origins.last() = StackOrigin { kind, m_recent[0].op, m_recent[0].position, slot };
}

// Whether the entry popped `popped_index` pops ago (0: the newest) may be read from its local
// instead: its local.get / tee is still in the code after every branch, call, block start and
// branch target, and nothing wrote the local since.
bool FunctionCompiler::origin_removable(usize popped_index) const
{
    const StackOrigin& origin = m_popped[popped_index];
    if (!m_live || origin.kind == OriginNone || origin.position < m_fence || origin.position < m_barrier)
        return false;
    if (origin.slot >= m_last_write.size() || m_last_write[origin.slot] > origin.position)
        return false;
    return origin.position < m_code.size() && m_code[origin.position].handler == handler_of(origin.op);
}

// Takes a removable entry out of the stack: deletes its local.get (moving the later code down) or
// turns its tee into a plain store to the local. Returns the local's slot. After a deletion, the
// recorded write positions of the moved code are 2 words too high; that only ever errs on the safe
// side: for entries below (pushed before the deleted local.get) such a write still counts as later,
// and every entry pushed from now on starts beyond all of them.
u64 FunctionCompiler::remove_origin(usize popped_index)
{
    const StackOrigin origin = m_popped[popped_index];
    m_popped[popped_index] = StackOrigin {};
    usize at = origin.position;
    if (origin.kind == OriginGet) {
        usize size = m_code.size();
        for (usize i = at + 2; i < size; ++i)
            m_code[i - 2] = m_code[i];
        m_code.shrink(size - 2);
        for (auto& recent : m_recent) {
            if (recent.position == at && recent.op == Op::LocalGet1)
                recent = EmittedInstruction {};
            else if (recent.position > at)
                recent.position -= 2;
        }
        return origin.slot;
    }
    // The tee forms: LocalTee1, a shifted-operand T form (16 after its S form) or a fused T form.
    u32 tee_op = static_cast<u32>(origin.op);
    Op stored = origin.op == Op::LocalTee1            ? Op::LocalSet1
        : tee_op >= static_cast<u32>(Op::I32AddWithShlT) ? static_cast<Op>(tee_op - (static_cast<u32>(Op::I32AddWithShlT) - static_cast<u32>(Op::I32AddWithShlS)))
                                                        : static_cast<Op>(tee_op - static_cast<u32>(FusedGroup::Tee) + static_cast<u32>(FusedGroup::Store));
    m_code[at].handler = handler_of(stored);
    for (auto& recent : m_recent) {
        if (recent.position == at)
            recent.op = stored;
    }
    return origin.slot;
}

// Returns how the value a tee leaves on the stack may be found later (StackOrigin kind).
u8 FunctionCompiler::emit_local_store(bool tee, bool wide, u64 slot)
{
    if (!wide && m_live) {
        // `i32.const c; local.set x` and `local.get y; local.set x` become one instruction. A tee
        // of them is that plus `i32.const c` again or a fresh `local.get x`, which later consumers
        // can fold into their operands.
        const EmittedInstruction last = m_recent[0];
        bool joinable = last.position >= m_barrier && last.position + 2 == m_code.size();
        if (joinable && (last.op == Op::Const1 || last.op == Op::LocalGet1)) {
            u64 immediate = m_code[last.position + 1].value;
            bool constant = last.op == Op::Const1;
            if (tee && !constant && immediate == slot)
                return OriginGet; // the local already holds the value
            m_code.shrink(last.position);
            m_recent[0] = m_recent[1];
            m_recent[1] = EmittedInstruction {};
            emit(constant ? Op::LocalSetConstant : Op::LocalCopy);
            emit_value(constant ? slot : immediate);
            emit_value(constant ? immediate : slot);
            note_local_write(slot, false);
            if (!tee)
                return OriginNone;
            emit(last.op);
            emit_value(constant ? immediate : slot);
            return constant ? OriginNone : OriginGet;
        }
    }
    emit_local_store_code(tee, wide, slot);
    note_local_write(slot, wide);
    return tee && !wide ? OriginTee : OriginNone;
}

void FunctionCompiler::emit_local_store_code(bool tee, bool wide, u64 slot)
{
    if (!wide) {
        if (auto fused = joinable_fused_operation(); fused.has_value()) {
            auto group = tee ? FusedGroup::Tee : FusedGroup::Store;
            rewrite_newest(static_cast<Op>(static_cast<u32>(fused.value()) + static_cast<u32>(group)));
            emit_value(slot);
            return;
        }
        // A shifted-operand operation (push form, just before) stores or tees its result itself.
        constexpr u32 shifted_forms = 4 * (0 ATH_WASM_SHIFTED_OPERAND_OPS(ATH_COUNT_ONE));
        const EmittedInstruction last = m_recent[0];
        u32 value = static_cast<u32>(last.op) - static_cast<u32>(Op::I32AddWithShl);
        if (m_live && value < shifted_forms && last.position >= m_barrier && last.position + 3 == m_code.size()) {
            rewrite_newest(static_cast<Op>(static_cast<u32>(last.op) + (tee ? 2 : 1) * shifted_forms));
            emit_value(slot);
            return;
        }
    }
    emit(tee ? (wide ? Op::LocalTee2 : Op::LocalTee1) : (wide ? Op::LocalSet2 : Op::LocalSet1));
    emit_value(slot);
}

// `local.get i; (i32.const c | local.get c); i32.add; local.tee t; (i32.const n | local.get n);
// i32.<compare>; br_if`: the add (teed) and the compare (pushed, SC or SL form, as `compare`; or
// LS when `local.get n` came first) are the two newest instructions; they become one loop step
// (its target word follows).
bool FunctionCompiler::emit_loop_step(Op compare)
{
    u32 first_fused = static_cast<u32>(Op::FirstFused) + 1;
    u32 value = static_cast<u32>(compare) - first_fused;
    u32 operation = value / fused_forms, form = value % fused_forms;
    constexpr u32 i32_compare_count = 0 ATH_WASM_I32_COMPARE_OPS(ATH_COUNT_ONE);
    // LS: the bound is the compare's first operand (`n < i + c`): the same test with the operands
    // swapped (eq, ne stay; lt <-> gt, le <-> ge, in the opcode order eq ne lt_s lt_u gt_s gt_u
    // le_s le_u ge_s ge_u).
    constexpr u32 swapped[] = { 0, 1, 4, 5, 2, 3, 8, 9, 6, 7 };
    static_assert(sizeof(swapped) / sizeof(swapped[0]) == i32_compare_count);
    bool reversed = form == static_cast<u32>(FusedForm::LS);
    if (operation >= i32_compare_count
        || (form != static_cast<u32>(FusedForm::SC) && form != static_cast<u32>(FusedForm::SL) && !reversed))
        return false;
    const EmittedInstruction step = m_recent[1];
    const EmittedInstruction test = m_recent[0];
    if ((step.op != Op::I32AddLCT && step.op != Op::I32AddLLT) || step.position < m_barrier || step.position + 4 != test.position
        || test.position + 2 != m_code.size())
        return false;
    u64 index = m_code[step.position + 1].value;
    u64 increment = m_code[step.position + 2].value;
    u64 tee = m_code[step.position + 3].value;
    u64 bound = m_code[test.position + 1].value;
    m_code.shrink(step.position);
    m_recent[0] = m_recent[1] = EmittedInstruction {};
    u32 variant = (step.op == Op::I32AddLLT ? 2 : 0) + (form == static_cast<u32>(FusedForm::SC) ? 0 : 1);
    if (reversed)
        operation = swapped[operation];
    emit(static_cast<Op>(static_cast<u32>(Op::I32EqStepLCC) + operation * 4 + variant));
    emit_value(index);
    emit_value(increment);
    emit_value(tee);
    emit_value(bound);
    m_fence = step.position;
    return true;
}

// A conditional jump; the condition's producer joins it when it can: a fused comparison becomes
// its branch form, and `i32.eqz` flips the sense of the jump.
void FunctionCompiler::emit_conditional_jump(bool jump_if_true)
{
    if (jump_if_true) {
        if (auto fused = joinable_fused_operation(); fused.has_value()) {
            if (emit_loop_step(fused.value()))
                return;
            rewrite_newest(static_cast<Op>(static_cast<u32>(fused.value()) + static_cast<u32>(FusedGroup::Branch)));
            m_fence = m_recent[0].position;
            return;
        }
        // `i + c; local.tee t; br_if` (also `i - c`, emitted as an add): store and branch on the
        // new value.
        const EmittedInstruction newest = m_recent[0];
        if (m_live && newest.op == Op::I32AddLCT && newest.position >= m_barrier && newest.position + 4 == m_code.size()) {
            rewrite_newest(Op::I32AddLCSB);
            m_fence = newest.position;
            return;
        }
    }
    const EmittedInstruction last = m_recent[0];
    if (m_live && last.op == Op::I32Eqz && last.position >= m_barrier && last.position + 1 == m_code.size()) {
        m_code.shrink(last.position);
        m_recent[0] = m_recent[1];
        m_recent[1] = EmittedInstruction {};
        jump_if_true = !jump_if_true;
    }
    // A condition straight from a local: `local.get x; br_if` (or `if`, or with i32.eqz between).
    const EmittedInstruction newest = m_recent[0];
    if (m_live && newest.op == Op::LocalGet1 && newest.position >= m_barrier && newest.position + 2 == m_code.size()) {
        u64 slot = m_code[newest.position + 1].value;
        m_code.shrink(newest.position);
        m_recent[0] = m_recent[1];
        m_recent[1] = EmittedInstruction {};
        emit(jump_if_true ? Op::BrIfLocal : Op::BrUnlessLocal);
        emit_value(slot);
        return;
    }
    emit(jump_if_true ? Op::BrIf : Op::BrUnless);
}

void FunctionCompiler::emit_value(u64 value)
{
    if (m_live) {
        Instr word;
        word.value = value;
        m_emit_error = m_emit_error.is_error() ? m_emit_error : m_code.append(word);
    }
}

void FunctionCompiler::emit_forward_target(ControlFrame& frame)
{
    if (!m_live)
        return;
    // Unresolved targets form a chain through their own words: each holds the previous one's index.
    emit_value(frame.fixup_chain);
    frame.fixup_chain = static_cast<i64>(m_code.size()) - 1;
}

void FunctionCompiler::emit_backward_target(usize position)
{
    if (!m_live)
        return;
    Instr word;
    word.offset = static_cast<i64>(position) - static_cast<i64>(m_code.size());
    m_emit_error = m_emit_error.is_error() ? m_emit_error : m_code.append(word);
}

void FunctionCompiler::resolve_chain(i64 chain, usize target)
{
    mark_branch_target(target);
    while (chain >= 0) {
        usize at = static_cast<usize>(chain);
        i64 previous = static_cast<i64>(m_code[at].value);
        m_code[at].offset = static_cast<i64>(target) - static_cast<i64>(at);
        chain = previous;
    }
}

void FunctionCompiler::push(ValueType type)
{
    m_emit_error = m_emit_error.is_error() ? m_emit_error : m_stack.append(type);
    m_emit_error = m_emit_error.is_error() ? m_emit_error : m_origins.append(StackOrigin {});
    if (type != Unknown) {
        m_slots += slot_count(type);
        if (m_slots > m_max_slots)
            m_max_slots = m_slots;
    }
}

Result<ValueType> FunctionCompiler::pop()
{
    auto& frame = m_control.last();
    m_popped[1] = m_popped[0];
    m_popped[0] = StackOrigin {};
    if (m_stack.size() == frame.height) {
        if (frame.unreachable)
            return Unknown;
        return invalid(m_instruction_offset, "type mismatch");
    }
    ValueType type = m_stack.take_last();
    if (m_origins.size() > m_stack.size())
        m_popped[0] = m_origins.take_last();
    if (type != Unknown)
        m_slots -= slot_count(type);
    return type;
}

Result<ValueType> FunctionCompiler::pop(ValueType expected)
{
    ValueType actual = TRY(pop());
    if (actual != expected && actual != Unknown && expected != Unknown)
        return invalid(m_instruction_offset, "type mismatch");
    return actual == Unknown ? expected : actual;
}

ErrorOr FunctionCompiler::pop_values(Span<const ValueType> types)
{
    for (usize i = types.size(); i > 0; --i)
        TRY(pop(types[i - 1]));
    return {};
}

void FunctionCompiler::push_values(Span<const ValueType> types)
{
    for (auto type : types)
        push(type);
}

u32 FunctionCompiler::slots_of(Span<const ValueType> types)
{
    u32 total = 0;
    for (auto type : types)
        total += slot_count(type);
    return total;
}

void FunctionCompiler::mark_unreachable()
{
    auto& frame = m_control.last();
    m_stack.shrink(frame.height);
    if (m_origins.size() > frame.height)
        m_origins.shrink(frame.height);
    m_slots = frame.base_slots;
    frame.unreachable = true;
    m_live = false;
}

ErrorOr FunctionCompiler::push_frame(FrameKind kind, BlockType type)
{
    ControlFrame frame {};
    frame.kind = kind;
    frame.type = type;
    TRY(pop_values(type.parameters()));
    frame.height = m_stack.size();
    frame.base_slots = m_slots;
    frame.unreachable = false;
    frame.was_live = m_live;
    frame.start = m_code.size();
    m_fence = m_code.size();
    TRY(m_control.append(frame));
    push_values(type.parameters());
    return {};
}

Result<FunctionCompiler::BlockType> FunctionCompiler::read_block_type()
{
    usize at = m_reader.offset();
    u8 first = TRY(m_reader.peek_u8());
    BlockType type {};
    if (first == 0x40) {
        (void)TRY(m_reader.read_u8());
        return type;
    }
    switch (first) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
        (void)TRY(m_reader.read_u8());
        type.single_result = static_cast<ValueType>(first);
        type.has_single_result = true;
        return type;
    default:
        break;
    }
    i64 index = TRY(m_reader.read_s33());
    if (index < 0)
        return Error::at(ErrorCode::Malformed, at, "malformed value type");
    if (static_cast<u64>(index) >= m_module.types.size())
        return invalid(at, "unknown type");
    auto function_type = m_module.function_type(static_cast<u32>(index));
    type.params = function_type.parameters;
    type.results = function_type.results;
    return type;
}

Span<const ValueType> FunctionCompiler::label_types(const ControlFrame& frame) const
{
    return frame.kind == FrameKind::Loop ? frame.type.parameters() : frame.type.results_span();
}

Result<FunctionCompiler::ControlFrame*> FunctionCompiler::label(u32 depth)
{
    if (depth >= m_control.size())
        return invalid(m_instruction_offset, "unknown label");
    return &m_control[m_control.size() - 1 - depth];
}

// Emits the jump part of a branch to `target` (the operands are already checked). Values the
// label takes are moved down to the label's height if they are not there already.
void FunctionCompiler::emit_branch(ControlFrame& target, bool conditional)
{
    u32 arity_slots = slots_of(label_types(target));
    u32 destination = m_local_slot_total + target.base_slots;
    u32 current_bottom = m_local_slot_total + m_slots - arity_slots;
    // Whatever sits between the label's height and the label's values is discarded by the branch,
    // so any difference in height needs a move (with no values, the move only resets sp).
    bool needs_move = destination != current_bottom;
    if (!needs_move) {
        if (conditional)
            emit_conditional_jump(true);
        else
            emit(Op::Jump);
    } else {
        emit(conditional ? Op::BrIfMove : Op::BrMove);
    }
    if (target.kind == FrameKind::Loop)
        emit_backward_target(target.start);
    else
        emit_forward_target(target);
    if (needs_move) {
        emit_value(destination);
        emit_value(arity_slots);
    }
}

ErrorOr FunctionCompiler::read_memory_argument(u32 natural_alignment_log2, u64& offset)
{
    usize at = m_reader.offset();
    u32 alignment = TRY(m_reader.read_u32());
    offset = TRY(m_reader.read_u32());
    if (m_module.memories.size() == 0)
        return invalid(at, "unknown memory 0");
    if (alignment > natural_alignment_log2)
        return invalid(at, "alignment must not be larger than natural");
    return {};
}

ErrorOr FunctionCompiler::read_zero_byte()
{
    usize at = m_reader.offset();
    u8 byte = TRY(m_reader.read_u8());
    if (byte != 0)
        return Error::at(ErrorCode::Malformed, at, "zero byte expected");
    return {};
}

Result<u32> FunctionCompiler::read_table_index()
{
    usize at = m_reader.offset();
    u32 index = TRY(m_reader.read_u32());
    if (index >= m_module.tables.size())
        return invalid(at, "unknown table");
    return index;
}

ErrorOr FunctionCompiler::compile()
{
    auto type = m_module.function_type(m_function.type_index);

    // Local slot offsets: parameters, then declared locals.
    TRY(m_local_slots.reserve(m_function.local_count));
    u32 slot = 0;
    u32 parameter_slots = 0;
    for (u32 i = 0; i < m_function.local_count; ++i) {
        TRY(m_local_slots.append(slot));
        slot += slot_count(local_type(i));
        if (i + 1 == type.parameters.size())
            parameter_slots = slot;
    }
    m_local_slot_total = slot;
    TRY(m_last_write.resize(slot, 0));
    m_fence = m_code.size();
    m_function.parameter_slots = parameter_slots;
    m_function.local_slots = slot - parameter_slots;
    m_function.result_slots = slots_of(type.results);
    m_function.code_offset = static_cast<u32>(m_code.size());
    m_barrier = m_code.size();

    BlockType body_type {};
    body_type.results = type.results;
    ControlFrame body {};
    body.kind = FrameKind::Function;
    body.type = body_type;
    body.start = m_code.size();
    TRY(m_control.append(body));

    while (!m_control.is_empty()) {
        if (m_reader.at_end())
            return m_reader.malformed("END opcode expected");
        TRY(compile_instruction());
        TRY(m_emit_error);
    }
    if (!m_reader.at_end())
        return m_reader.malformed("section size mismatch");
    m_function.max_stack_slots = m_max_slots;
    return {};
}

ErrorOr FunctionCompiler::compile_end()
{
    ControlFrame frame = m_control.last();
    TRY(pop_values(frame.type.results_span()));
    if (m_stack.size() != frame.height)
        return invalid(m_instruction_offset, "type mismatch");
    if (frame.kind == FrameKind::If && !frame.has_else) {
        // No else: the parameters pass through, so they must equal the results.
        auto parameters = frame.type.parameters();
        auto results = frame.type.results_span();
        bool same = parameters.size() == results.size();
        for (usize i = 0; same && i < parameters.size(); ++i)
            same = parameters[i] == results[i];
        if (!same)
            return invalid(m_instruction_offset, "type mismatch");
    }
    m_control.shrink(m_control.size() - 1);
    m_slots = frame.base_slots;
    m_live = frame.was_live;
    usize here = m_code.size();
    resolve_chain(frame.fixup_chain, here);
    if (frame.kind == FrameKind::If)
        resolve_chain(frame.else_chain, here);
    if (frame.kind == FrameKind::Function) {
        m_live = true;
        emit(Op::Return);
        emit_value(m_function.result_slots);
        return {};
    }
    push_values(frame.type.results_span());
    return {};
}

ErrorOr FunctionCompiler::compile_instruction()
{
    m_instruction_offset = m_reader.offset();
    u8 opcode = TRY(m_reader.read_u8());
    switch (opcode) {
    case 0x00:
        emit(Op::Unreachable);
        mark_unreachable();
        return {};
    case 0x01:
        return {};
    case 0x02: {
        auto type = TRY(read_block_type());
        return push_frame(FrameKind::Block, type);
    }
    case 0x03: {
        auto type = TRY(read_block_type());
        TRY(push_frame(FrameKind::Loop, type));
        mark_branch_target(m_code.size()); // frame.start: back-edges land here (and poll there)
        return {};
    }
    case 0x04: {
        auto type = TRY(read_block_type());
        TRY(pop(ValueType::I32));
        TRY(push_frame(FrameKind::If, type));
        auto& frame = m_control.last();
        emit_conditional_jump(false);
        if (m_live) {
            emit_value(static_cast<u64>(frame.else_chain));
            frame.else_chain = static_cast<i64>(m_code.size()) - 1;
        }
        return {};
    }
    case 0x05: {
        auto& frame = m_control.last();
        if (frame.kind != FrameKind::If || frame.has_else)
            return invalid(m_instruction_offset, "else without if");
        TRY(pop_values(frame.type.results_span()));
        if (m_stack.size() != frame.height)
            return invalid(m_instruction_offset, "type mismatch");
        emit(Op::Jump);
        emit_forward_target(frame);
        resolve_chain(frame.else_chain, m_code.size());
        frame.else_chain = -1;
        frame.has_else = true;
        frame.unreachable = false;
        m_live = frame.was_live;
        m_slots = frame.base_slots;
        push_values(frame.type.parameters());
        return {};
    }
    case 0x0B:
        return compile_end();
    case 0x0C: {
        u32 depth = TRY(m_reader.read_u32());
        auto* target = TRY(label(depth));
        auto types = label_types(*target);
        TRY(pop_values(types));
        push_values(types);
        emit_branch(*target, false);
        mark_unreachable();
        return {};
    }
    case 0x0D: {
        u32 depth = TRY(m_reader.read_u32());
        auto* target = TRY(label(depth));
        TRY(pop(ValueType::I32));
        auto types = label_types(*target);
        TRY(pop_values(types));
        push_values(types);
        emit_branch(*target, true);
        return {};
    }
    case 0x0E:
        return compile_br_table();
    case 0x0F: {
        auto results = m_control[0].type.results_span();
        TRY(pop_values(results));
        push_values(results);
        emit(Op::Return);
        emit_value(m_function.result_slots);
        mark_unreachable();
        return {};
    }
    case 0x10: {
        usize at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        if (index >= m_module.functions.size())
            return invalid(at, "unknown function");
        auto type = m_module.function_type_of(index);
        TRY(pop_values(type.parameters));
        push_values(type.results);
        emit(Op::Call);
        emit_value(index);
        return {};
    }
    case 0x11: {
        usize at = m_reader.offset();
        u32 type_index = TRY(m_reader.read_u32());
        if (type_index >= m_module.types.size())
            return invalid(at, "unknown type");
        u32 table_index = TRY(read_table_index());
        if (m_module.tables[table_index].element != ValueType::FuncRef)
            return invalid(at, "type mismatch");
        TRY(pop(ValueType::I32));
        auto type = m_module.function_type(type_index);
        TRY(pop_values(type.parameters));
        push_values(type.results);
        emit(Op::CallIndirect);
        emit_value(type_index);
        emit_value(table_index);
        return {};
    }
    case 0x1A: {
        ValueType type = TRY(pop());
        if (type != Unknown)
            emit(slot_count(type) == 2 ? Op::Drop2 : Op::Drop1);
        return {};
    }
    case 0x1B:
    case 0x1C: {
        ValueType declared = Unknown;
        if (opcode == 0x1C) {
            u32 count = TRY(m_reader.read_u32());
            if (count != 1)
                return invalid(m_instruction_offset, "invalid result arity");
            u8 byte = TRY(m_reader.read_u8());
            switch (byte) {
            case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
                declared = static_cast<ValueType>(byte);
                break;
            default:
                return Error::at(ErrorCode::Malformed, m_reader.offset() - 1, "malformed value type");
            }
        }
        TRY(pop(ValueType::I32));
        ValueType second = TRY(pop(declared));
        ValueType first = TRY(pop(declared));
        ValueType result;
        if (declared != Unknown) {
            result = declared;
        } else {
            if ((first != Unknown && !is_numeric_or_vector(first)) || (second != Unknown && !is_numeric_or_vector(second)))
                return invalid(m_instruction_offset, "type mismatch");
            if (first != Unknown && second != Unknown && first != second)
                return invalid(m_instruction_offset, "type mismatch");
            result = first != Unknown ? first : second;
        }
        push(result);
        if (result != Unknown)
            emit(slot_count(result) == 2 ? Op::Select2 : Op::Select1);
        return {};
    }
    case 0x20:
    case 0x21:
    case 0x22: {
        usize at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        if (index >= m_function.local_count)
            return invalid(at, "unknown local");
        ValueType type = local_type(index);
        bool wide = slot_count(type) == 2;
        if (opcode == 0x20) {
            push(type);
            emit(wide ? Op::LocalGet2 : Op::LocalGet1);
            emit_value(m_local_slots[index]);
            if (!wide)
                set_top_origin(OriginGet, m_local_slots[index]);
        } else {
            TRY(pop(type));
            if (opcode == 0x22)
                push(type);
            u8 origin = emit_local_store(opcode == 0x22, wide, m_local_slots[index]);
            if (opcode == 0x22 && origin != OriginNone)
                set_top_origin(origin, m_local_slots[index]);
        }
        return {};
    }
    case 0x23:
    case 0x24: {
        usize at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        if (index >= m_module.globals.size())
            return invalid(at, "unknown global");
        auto global = m_module.globals[index].type;
        bool wide = slot_count(global.type) == 2;
        if (opcode == 0x23) {
            push(global.type);
            emit(wide ? Op::GlobalGet2 : Op::GlobalGet1);
        } else {
            if (!global.is_mutable)
                return invalid(at, "global is immutable");
            TRY(pop(global.type));
            emit(wide ? Op::GlobalSet2 : Op::GlobalSet1);
        }
        emit_value(index);
        return {};
    }
    case 0x25:
    case 0x26: {
        u32 table = TRY(read_table_index());
        ValueType element = m_module.tables[table].element;
        if (opcode == 0x25) {
            TRY(pop(ValueType::I32));
            push(element);
            emit(Op::TableGet);
        } else {
            TRY(pop(element));
            TRY(pop(ValueType::I32));
            emit(Op::TableSet);
        }
        emit_value(table);
        return {};
    }
#define ATH_LOAD_CASE(code, Name, Type, Memory, Value, align) \
    case code: {                                              \
        u64 offset;                                           \
        TRY(read_memory_argument(align, offset));             \
        TRY(pop(ValueType::I32));                             \
        push(ValueType::Type);                                \
        emit_memory_access(Op::Name, Op::Name##L, Op::Count, Op::Count, offset); \
        return {};                                            \
    }
        ATH_WASM_LOAD_OPS(ATH_LOAD_CASE)
#undef ATH_LOAD_CASE
#define ATH_STORE_CASE(code, Name, Type, Memory, align) \
    case code: {                                        \
        u64 offset;                                     \
        TRY(read_memory_argument(align, offset));       \
        TRY(pop(ValueType::Type));                      \
        TRY(pop(ValueType::I32));                       \
        emit_store(Op::Name, Op::Name##LL, offset);     \
        return {};                                      \
    }
        ATH_WASM_STORE_OPS(ATH_STORE_CASE)
#undef ATH_STORE_CASE
    case 0x3F:
    case 0x40: {
        TRY(read_zero_byte());
        if (m_module.memories.size() == 0)
            return invalid(m_instruction_offset, "unknown memory 0");
        if (opcode == 0x40)
            TRY(pop(ValueType::I32));
        push(ValueType::I32);
        emit(opcode == 0x3F ? Op::MemorySize : Op::MemoryGrow);
        return {};
    }
    case 0x41: {
        u32 value = static_cast<u32>(TRY(m_reader.read_i32()));
        push(ValueType::I32);
        emit(Op::Const1);
        emit_value(value);
        return {};
    }
    case 0x42: {
        u64 value = static_cast<u64>(TRY(m_reader.read_i64()));
        push(ValueType::I64);
        emit(Op::Const1);
        emit_value(value);
        return {};
    }
    case 0x43: {
        u32 value = TRY(m_reader.read_fixed_u32());
        push(ValueType::F32);
        emit(Op::Const1);
        emit_value(value);
        return {};
    }
    case 0x44: {
        u64 value = TRY(m_reader.read_fixed_u64());
        push(ValueType::F64);
        emit(Op::Const1);
        emit_value(value);
        return {};
    }
#define ATH_UNARY_CASE(code, Name, Result, Operand, CResult, COperand, ...) \
    case code:                                                              \
        TRY(pop(ValueType::Operand));                                       \
        push(ValueType::Result);                                            \
        emit(Op::Name);                                                     \
        return {};
#define ATH_BINARY_CASE(code, Name, Result, Operand, CResult, COperand, ...)              \
    case code:                                                                            \
        TRY(pop(ValueType::Operand));                                                     \
        TRY(pop(ValueType::Operand));                                                     \
        push(ValueType::Result);                                                          \
        emit_binary(Op::Name, Op::Name##LL, Op::Name##SL, Op::Name##SC, Op::Name##LC, ValueType::Operand); \
        return {};
        ATH_WASM_UNARY_OPS(ATH_UNARY_CASE)
        ATH_WASM_COMPARE_OPS(ATH_BINARY_CASE)
        ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_BINARY_CASE)
    case 0xD0: {
        u8 byte = TRY(m_reader.read_u8());
        if (byte != 0x70 && byte != 0x6F)
            return Error::at(ErrorCode::Malformed, m_reader.offset() - 1, "malformed reference type");
        push(static_cast<ValueType>(byte));
        emit(Op::Const1);
        emit_value(0);
        return {};
    }
    case 0xD1: {
        ValueType type = TRY(pop());
        if (type != Unknown && !is_reference_type(type))
            return invalid(m_instruction_offset, "type mismatch");
        push(ValueType::I32);
        emit(Op::RefIsNull);
        return {};
    }
    case 0xD2: {
        usize at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        if (index >= m_module.functions.size())
            return invalid(at, "unknown function");
        if (!m_module.declared_function_references[index])
            return invalid(at, "undeclared function reference");
        push(ValueType::FuncRef);
        emit(Op::RefFunc);
        emit_value(index);
        return {};
    }
    case 0xFC:
        return compile_prefixed();
    case 0xFD:
        return compile_simd();
    default:
        return Error::at(ErrorCode::Malformed, m_instruction_offset, "illegal opcode");
    }
}

ErrorOr FunctionCompiler::compile_br_table()
{
    u32 count = TRY(m_reader.read_u32());
    if (count > m_reader.remaining())
        return m_reader.malformed("unexpected end");
    TRY(pop(ValueType::I32));
    // Read every depth first (the default last); check each label against the stack.
    usize depths_at = m_reader.position();
    u32 default_depth = 0;
    for (u32 i = 0; i <= count; ++i) {
        u32 depth = TRY(m_reader.read_u32());
        if (i == count)
            default_depth = depth;
    }
    auto* default_target = TRY(label(default_depth));
    usize arity = label_types(*default_target).size();
    Reader again(m_reader.bytes(), 0);
    (void)TRY(again.read_bytes(depths_at));
    for (u32 i = 0; i < count; ++i) {
        u32 depth = TRY(again.read_u32());
        auto* target = TRY(label(depth));
        auto types = label_types(*target);
        if (types.size() != arity)
            return invalid(m_instruction_offset, "type mismatch");
        // Check without consuming: compare against the stack in place.
        auto& frame = m_control.last();
        usize available = m_stack.size() - frame.height;
        for (usize k = 0; k < types.size(); ++k) {
            usize from_top = types.size() - k;
            if (from_top > available) {
                if (!frame.unreachable)
                    return invalid(m_instruction_offset, "type mismatch");
                continue;
            }
            ValueType actual = m_stack[m_stack.size() - from_top];
            if (actual != Unknown && actual != types[k])
                return invalid(m_instruction_offset, "type mismatch");
        }
    }
    auto default_types = label_types(*default_target);
    TRY(pop_values(default_types));
    push_values(default_types);

    if (m_live) {
        u32 arity_slots = slots_of(default_types);
        // Without values to carry and with every target at the current height, the branch moves
        // nothing: BrTableJump keeps only the targets.
        bool moves = arity_slots != 0;
        Reader second(m_reader.bytes(), 0);
        (void)TRY(second.read_bytes(depths_at));
        for (u32 i = 0; i <= count && !moves; ++i) {
            u32 depth = TRY(second.read_u32());
            auto* target = TRY(label(depth));
            moves = target->base_slots != m_slots;
        }
        emit(moves ? Op::BrTable : Op::BrTableJump);
        emit_value(count);
        if (moves)
            emit_value(arity_slots);
        Reader third(m_reader.bytes(), 0);
        (void)TRY(third.read_bytes(depths_at));
        for (u32 i = 0; i <= count; ++i) {
            u32 depth = TRY(third.read_u32());
            auto* target = TRY(label(depth));
            if (target->kind == FrameKind::Loop)
                emit_backward_target(target->start);
            else
                emit_forward_target(*target);
            if (moves)
                emit_value(m_local_slot_total + target->base_slots);
        }
    }
    mark_unreachable();
    return {};
}

// memory.init and data.drop need the data count section when the module has data segments; a
// module without any data segment gets the plain "unknown data segment".
ErrorOr FunctionCompiler::check_data_index(usize at, u32 index)
{
    if (!m_module.data_count.has_value()) {
        if (m_module.data_segments.size() > 0)
            return Error::at(ErrorCode::Malformed, at, "data count section required");
        return invalid(at, "unknown data segment");
    }
    if (index >= m_module.data_count.value())
        return invalid(at, "unknown data segment");
    return {};
}

ErrorOr FunctionCompiler::compile_prefixed()
{
    usize at = m_reader.offset();
    u32 sub = TRY(m_reader.read_u32());
    switch (sub) {
#define ATH_SATURATING_CASE(code, Name, Result, Operand, CResult, COperand, ...) \
    case code:                                                                   \
        TRY(pop(ValueType::Operand));                                            \
        push(ValueType::Result);                                                 \
        emit(Op::Name);                                                          \
        return {};
        ATH_WASM_SATURATING_OPS(ATH_SATURATING_CASE)
#undef ATH_SATURATING_CASE
    case 8: { // memory.init
        usize index_at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        TRY(read_zero_byte());
        if (m_module.memories.size() == 0)
            return invalid(at, "unknown memory 0");
        TRY(check_data_index(index_at, index));
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        emit(Op::MemoryInit);
        emit_value(index);
        return {};
    }
    case 9: { // data.drop
        usize index_at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        TRY(check_data_index(index_at, index));
        emit(Op::DataDrop);
        emit_value(index);
        return {};
    }
    case 10: // memory.copy
        TRY(read_zero_byte());
        TRY(read_zero_byte());
        if (m_module.memories.size() == 0)
            return invalid(at, "unknown memory 0");
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        emit(Op::MemoryCopy);
        return {};
    case 11: // memory.fill
        TRY(read_zero_byte());
        if (m_module.memories.size() == 0)
            return invalid(at, "unknown memory 0");
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        emit(Op::MemoryFill);
        return {};
    case 12: { // table.init
        usize index_at = m_reader.offset();
        u32 element = TRY(m_reader.read_u32());
        u32 table = TRY(read_table_index());
        if (element >= m_module.elements.size())
            return invalid(index_at, "unknown elem segment");
        if (m_module.elements[element].type != m_module.tables[table].element)
            return invalid(index_at, "type mismatch");
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        emit(Op::TableInit);
        emit_value(table);
        emit_value(element);
        return {};
    }
    case 13: { // elem.drop
        usize index_at = m_reader.offset();
        u32 element = TRY(m_reader.read_u32());
        if (element >= m_module.elements.size())
            return invalid(index_at, "unknown elem segment");
        emit(Op::ElemDrop);
        emit_value(element);
        return {};
    }
    case 14: { // table.copy
        u32 destination = TRY(read_table_index());
        u32 source = TRY(read_table_index());
        if (m_module.tables[destination].element != m_module.tables[source].element)
            return invalid(at, "type mismatch");
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        TRY(pop(ValueType::I32));
        emit(Op::TableCopy);
        emit_value(destination);
        emit_value(source);
        return {};
    }
    case 15:   // table.grow
    case 16:   // table.size
    case 17: { // table.fill
        u32 table = TRY(read_table_index());
        ValueType element = m_module.tables[table].element;
        if (sub == 15) {
            TRY(pop(ValueType::I32));
            TRY(pop(element));
            push(ValueType::I32);
            emit(Op::TableGrow);
        } else if (sub == 16) {
            push(ValueType::I32);
            emit(Op::TableSize);
        } else {
            TRY(pop(ValueType::I32));
            TRY(pop(element));
            TRY(pop(ValueType::I32));
            emit(Op::TableFill);
        }
        emit_value(table);
        return {};
    }
    default:
        return Error::at(ErrorCode::Malformed, m_instruction_offset, "illegal opcode");
    }
}

ErrorOr compile_function(ModuleData& module, u32 function_index)
{
    FunctionCompiler compiler(module, function_index);
    return compiler.compile();
}

} // namespace ath::wasm

namespace ath::wasm {

ErrorOr FunctionCompiler::read_lane_index(u32 lane_count, u8& lane)
{
    usize at = m_reader.offset();
    lane = TRY(m_reader.read_u8());
    if (lane >= lane_count)
        return invalid(at, "invalid lane index");
    return {};
}

ErrorOr FunctionCompiler::compile_simd()
{
    u32 sub = TRY(m_reader.read_u32());
    switch (sub) {
#define ATH_SIMD_BINARY_CASE(code, Name, ...) \
    case code:                                \
        TRY(pop(ValueType::V128));            \
        TRY(pop(ValueType::V128));            \
        push(ValueType::V128);                \
        emit(Op::Name);                       \
        return {};
#define ATH_SIMD_UNARY_CASE(code, Name, ...) \
    case code:                               \
        TRY(pop(ValueType::V128));           \
        push(ValueType::V128);               \
        emit(Op::Name);                      \
        return {};
#define ATH_SIMD_SHIFT_CASE(code, Name, ...) \
    case code:                               \
        TRY(pop(ValueType::I32));            \
        TRY(pop(ValueType::V128));           \
        push(ValueType::V128);               \
        emit(Op::Name);                      \
        return {};
#define ATH_SIMD_TEST_CASE(code, Name, ...) \
    case code:                              \
        TRY(pop(ValueType::V128));          \
        push(ValueType::I32);               \
        emit(Op::Name);                     \
        return {};
#define ATH_SIMD_SPLAT_CASE(code, Name, Scalar, Lane, count) \
    case code:                                               \
        TRY(pop(ValueType::Scalar));                         \
        push(ValueType::V128);                               \
        emit(Op::Name);                                      \
        return {};
#define ATH_SIMD_EXTRACT_CASE(code, Name, Scalar, Lane, count) \
    case code: {                                               \
        u8 lane;                                               \
        TRY(read_lane_index(count, lane));                     \
        TRY(pop(ValueType::V128));                             \
        push(ValueType::Scalar);                               \
        emit(Op::Name);                                        \
        emit_value(lane);                                      \
        return {};                                             \
    }
#define ATH_SIMD_REPLACE_CASE(code, Name, Scalar, Lane, count) \
    case code: {                                               \
        u8 lane;                                               \
        TRY(read_lane_index(count, lane));                     \
        TRY(pop(ValueType::Scalar));                           \
        TRY(pop(ValueType::V128));                             \
        push(ValueType::V128);                                 \
        emit(Op::Name);                                        \
        emit_value(lane);                                      \
        return {};                                             \
    }
        ATH_WASM_SIMD_BINARY_OPS(ATH_SIMD_BINARY_CASE)
        ATH_WASM_SIMD_UNARY_OPS(ATH_SIMD_UNARY_CASE)
        ATH_WASM_SIMD_SHIFT_OPS(ATH_SIMD_SHIFT_CASE)
        ATH_WASM_SIMD_TEST_OPS(ATH_SIMD_TEST_CASE)
        ATH_WASM_SIMD_SPLAT_OPS(ATH_SIMD_SPLAT_CASE)
        ATH_WASM_SIMD_EXTRACT_OPS(ATH_SIMD_EXTRACT_CASE)
        ATH_WASM_SIMD_REPLACE_OPS(ATH_SIMD_REPLACE_CASE)
    case 12: { // v128.const
        u64 low = TRY(m_reader.read_fixed_u64());
        u64 high = TRY(m_reader.read_fixed_u64());
        push(ValueType::V128);
        emit(Op::Const2);
        emit_value(low);
        emit_value(high);
        return {};
    }
    case 13: { // i8x16.shuffle
        u8 lanes[16];
        for (auto& lane : lanes)
            TRY(read_lane_index(32, lane));
        TRY(pop(ValueType::V128));
        TRY(pop(ValueType::V128));
        push(ValueType::V128);
        emit(Op::I8x16Shuffle);
        emit_value(load_le<u64>(lanes));
        emit_value(load_le<u64>(lanes + 8));
        return {};
    }
    case 82: // v128.bitselect
        TRY(pop(ValueType::V128));
        TRY(pop(ValueType::V128));
        TRY(pop(ValueType::V128));
        push(ValueType::V128);
        emit(Op::V128Bitselect);
        return {};
    default:
        break;
    }

    // Memory instructions.
    Op op;
    u32 alignment;
    switch (sub) {
#define ATH_SIMD_MEMORY_CASE(code, Name, align) \
    case code:                                  \
        op = Op::Name;                          \
        alignment = align;                      \
        break;
        ATH_WASM_SIMD_MEMORY_OPS(ATH_SIMD_MEMORY_CASE)
    default:
        return Error::at(ErrorCode::Malformed, m_instruction_offset, "illegal opcode");
    }
    u64 offset;
    TRY(read_memory_argument(alignment, offset));
    bool is_lane = sub >= 84 && sub <= 91;
    u8 lane = 0;
    if (is_lane)
        TRY(read_lane_index(16u >> alignment, lane));
    if (sub == 11 || (sub >= 88 && sub <= 91)) { // stores
        TRY(pop(ValueType::V128));
        TRY(pop(ValueType::I32));
    } else {
        if (is_lane)
            TRY(pop(ValueType::V128));
        TRY(pop(ValueType::I32));
        push(ValueType::V128);
    }
    emit(op);
    emit_value(offset);
    if (is_lane)
        emit_value(lane);
    return {};
}

} // namespace ath::wasm
