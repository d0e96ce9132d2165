// The x86_64 compiled tier: a single-pass compiler, one CodeEmitter (kernel/wasm/Validator.h) over
// the same FunctionDecoder as the interpreter, emitting through our Assembler. See NativeTier.h for
// the execution model and kernel/wasm/README.md ("Compiled tier") for the design.
//
// Registers while compiled code runs:
//   r13  Machine*            (callee-saved in the C convention, so helpers keep it)
//   r14  fp: the function's slots on the Store's value stack (locals, then operand slots)
//   r15  memory 0's base     (reloaded from Machine::native_memory_base after every helper call)
//   rbx rsi rdi r8-r12       the register cache of the operand stack
//   rax rcx rdx              scratch (division, shifts, temporaries)
// Operand stack entry i lives in slot fp[local_count + i] when it is not in a register or a constant.
// Every block boundary, branch and call first spills the cache, so control-flow joins see every
// value in its slot (the merge state is "all in memory").
#include <kernel/lib/Placement.h>
#include <kernel/wasm/FunctionDecoder.h>
#include <kernel/wasm/InterpreterEmitter.h>
#include <kernel/wasm/NativeTier.h>

#include "Assembler.h"

namespace ath::wasm {

using namespace ::ath::x86_64;

namespace {

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winvalid-offsetof"
constexpr i32 machine_offset_poll = static_cast<i32>(__builtin_offsetof(Machine, poll));
constexpr i32 machine_offset_trapped = static_cast<i32>(__builtin_offsetof(Machine, trapped));
constexpr i32 machine_offset_trap_kind = static_cast<i32>(__builtin_offsetof(Machine, trap_kind));
constexpr i32 machine_offset_stack_end = static_cast<i32>(__builtin_offsetof(Machine, stack_end));
constexpr i32 machine_offset_globals = static_cast<i32>(__builtin_offsetof(Machine, native_globals));
constexpr i32 machine_offset_functions = static_cast<i32>(__builtin_offsetof(Machine, native_functions));
constexpr i32 machine_offset_memory_base = static_cast<i32>(__builtin_offsetof(Machine, native_memory_base));
constexpr i32 machine_offset_stack_limit = static_cast<i32>(__builtin_offsetof(Machine, native_stack_limit));
constexpr i32 machine_offset_stack_budget = static_cast<i32>(__builtin_offsetof(Machine, native_stack_budget));
constexpr i32 machine_offset_unwind_sp = static_cast<i32>(__builtin_offsetof(Machine, native_unwind_sp));
constexpr i32 machine_offset_interrupt_word = static_cast<i32>(__builtin_offsetof(Machine, native_interrupt_word));
constexpr i32 machine_offset_slow_poll = static_cast<i32>(__builtin_offsetof(Machine, native_slow_poll));
constexpr i32 global_offset_low = static_cast<i32>(__builtin_offsetof(GlobalInstance, low));
#pragma clang diagnostic pop
static_assert(sizeof(TrapKind) == 1 && sizeof(bool) == 1);

constexpr Reg machine_register = Reg::R13;
constexpr Reg frame_register = Reg::R14;
constexpr Reg memory_register = Reg::R15;
constexpr Reg cache_registers[] = { Reg::Rbx, Reg::Rsi, Reg::Rdi, Reg::R8, Reg::R9, Reg::R10, Reg::R11, Reg::R12 };
constexpr usize cache_register_count = sizeof(cache_registers) / sizeof(cache_registers[0]);

// One interpreter instruction (handler, immediates) followed by Exit, kept as data at the end of the
// module's code for athanor_native_interpret.
struct Snippet {
    Assembler::Label label;
    u64 words[4];
    u32 count;
};

// Labels and code shared by every function of a module.
struct ModuleLabels {
    Vector<Snippet> snippets;
    Assembler::Label trap[static_cast<usize>(TrapKind::HostTrap) + 1];
    Assembler::Label unwind;            // a trap already recorded in the Machine: unwind to the entry
    Assembler::Label trampoline_exit;   // the entry stub's epilogue
    Vector<Assembler::Label> functions; // per defined function
};

bool is_slot_type(ValueType type)
{
    return type == ValueType::I32 || type == ValueType::I64 || type == ValueType::F32 || type == ValueType::F64
        || type == ValueType::FuncRef || type == ValueType::ExternRef;
}

class Compiler final : public CodeEmitter {
public:
    Compiler(ModuleData& module, u32 function_index, Assembler& assembler, ModuleLabels& labels)
        : m_module(module)
        , m_function(module.functions[function_index])
        , m_asm(assembler)
        , m_labels(labels)
        , m_stack(*module.allocator)
        , m_frames(*module.allocator)
        , m_table_targets(*module.allocator)
    {
    }

    ErrorOr begin(FunctionValidator& validator) override
    {
        m_validator = &validator;
        m_local_count = m_function.local_count;
        for (u32 i = 0; i < m_local_count; ++i) {
            if (!is_slot_type(validator.local_type(i)))
                return unsupported("v128 local or parameter");
        }
        for (auto type : m_module.function_type(m_function.type_index).results) {
            if (!is_slot_type(type))
                return unsupported("v128 result");
        }
        u64 frame_slots = static_cast<u64>(m_local_count) + m_function.max_stack_slots + 2;
        if (frame_slots * 8 > 0x3FFFFFFF)
            return unsupported("frame larger than 1 GiB");
        TRY(m_frames.append(FrameLabels { m_asm.new_label(), m_asm.new_label() }));

        // Entry: 16-byte stack alignment inside the body, the native stack limit, room for the
        // frame on the value stack, zeroed locals, the poll.
        m_asm.alu_imm(AluOp::Sub, Width::W64, Reg::Rsp, 8);
        m_asm.load(Width::W64, Reg::Rax, Mem::at(machine_register, machine_offset_stack_limit));
        m_asm.alu(AluOp::Cmp, Width::W64, Reg::Rsp, Reg::Rax);
        m_asm.jcc(Cond::B, trap_label(TrapKind::CallStackExhausted));
        m_asm.lea(Reg::Rax, Mem::at(frame_register, static_cast<i32>(frame_slots * 8)));
        m_asm.load(Width::W64, Reg::Rdx, Mem::at(machine_register, machine_offset_stack_end));
        m_asm.alu(AluOp::Cmp, Width::W64, Reg::Rax, Reg::Rdx);
        m_asm.jcc(Cond::A, trap_label(TrapKind::CallStackExhausted));
        u32 parameters = static_cast<u32>(m_module.function_type(m_function.type_index).parameters.size());
        u32 declared = m_local_count - parameters;
        if (declared <= 8) {
            for (u32 i = parameters; i < m_local_count; ++i)
                m_asm.store_imm32(Width::W64, local(i), 0);
        } else {
            m_asm.lea(Reg::Rdi, local(parameters));
            m_asm.mov_imm(Reg::Rcx, declared);
            m_asm.mov_imm(Reg::Rax, 0);
            m_asm.rep_stosq();
        }
        emit_poll();
        return {};
    }

    bool failed() const override { return m_error.is_error() || m_asm.failed() || m_stack_error; }
    ErrorOr error() const override
    {
        if (m_error.is_error())
            return m_error;
        return Error::from(ErrorCode::OutOfMemory, "out of memory");
    }

    void enter(const ControlFrame& frame) override
    {
        FrameLabels labels { m_asm.new_label(), m_asm.new_label() };
        append_frame(labels);
        if (!frame.opened_reachable)
            return;
        if (frame.kind == FrameKind::If) {
            Reg condition = pop_to_register();
            spill_all();
            m_asm.test(Width::W32, condition, condition);
            release(condition);
            m_asm.jcc(Cond::E, labels.alternative);
        } else {
            spill_all();
            if (frame.kind == FrameKind::Loop)
                m_asm.bind(labels.target);
        }
        check_in_sync();
    }

    void enter_else(const ControlFrame& frame) override
    {
        FrameLabels& labels = m_frames.last();
        if (frame.opened_reachable && !frame.unreachable) {
            spill_all();
            m_asm.jmp(labels.target);
        }
        m_asm.bind(labels.alternative);
        labels.else_bound = true;
        if (frame.opened_reachable)
            reset_stack(frame.height, frame.type.parameters());
    }

    void exit(const ControlFrame& frame) override
    {
        FrameLabels labels = m_frames.take_last();
        bool end_reachable = frame.opened_reachable && !frame.unreachable;
        if (frame.kind == FrameKind::Function) {
            if (end_reachable)
                emit_return();
            return;
        }
        if (end_reachable)
            spill_all();
        if (frame.kind == FrameKind::If && !labels.else_bound)
            m_asm.bind(labels.alternative);
        if (frame.kind != FrameKind::Loop)
            m_asm.bind(labels.target);
        if (frame.opened_reachable)
            reset_stack(frame.height, frame.type.results_span());
    }

    void unreachable() override { m_asm.jmp(m_labels.trap[static_cast<usize>(TrapKind::Unreachable)]); }

    void branch(u32 depth, bool conditional) override
    {
        if (!conditional) {
            spill_all();
            emit_branch_to(depth);
            return;
        }
        Reg condition = pop_to_register();
        spill_all();
        m_asm.test(Width::W32, condition, condition);
        release(condition);
        if (branch_is_plain_jump(depth)) {
            m_asm.jcc(Cond::NE, m_frames[m_frames.size() - 1 - depth].target);
        } else {
            auto skip = m_asm.new_label();
            m_asm.jcc(Cond::E, skip);
            emit_branch_to(depth);
            m_asm.bind(skip);
        }
        check_in_sync();
    }

    void branch_table(const BranchTableDepths& depths) override
    {
        Reg index = pop_to_register();
        spill_all();
        // Out-of-range indices take the default (the last entry).
        m_asm.mov_imm(Reg::Rax, depths.count());
        m_asm.alu(AluOp::Cmp, Width::W32, index, Reg::Rax);
        m_asm.cmov(Cond::A, Width::W32, index, Reg::Rax);
        auto table = m_asm.new_label();
        m_asm.lea_rip(Reg::Rax, table);
        m_asm.load_sign_extend32(Reg::Rdx, Mem::indexed(Reg::Rax, index, 4, 0));
        m_asm.alu(AluOp::Add, Width::W64, Reg::Rax, Reg::Rdx);
        m_asm.jmp_reg(Reg::Rax);
        release(index);
        // Entries that need code of their own (value moves, a back-edge poll, a return) get a stub.
        m_table_targets.clear();
        depths.for_each([&](u32 depth) {
            TableTarget target { depth, m_frames[m_frames.size() - 1 - depth].target };
            if (!branch_is_plain_jump(depth))
                target.label = m_asm.new_label();
            if (m_table_targets.append(target).is_error())
                m_stack_error = true;
        });
        m_asm.bind(table);
        for (auto& target : m_table_targets)
            m_asm.table_entry(target.label, table);
        for (auto& target : m_table_targets) {
            if (branch_is_plain_jump(target.depth))
                continue;
            m_asm.bind(target.label);
            emit_branch_to(target.depth);
        }
    }

    void return_from_function() override
    {
        spill_all();
        emit_return();
    }

    void call(u32 function_index) override
    {
        auto type = m_module.function_type_of(function_index);
        if (!all_slot_types(type))
            return note_unsupported("call with v128");
        spill_all();
        u32 first_argument = static_cast<u32>(m_stack.size() - type.parameters.size());
        i32 offset = slot_offset(first_argument);
        if (function_index < m_module.imported_function_count) {
            m_asm.mov(Width::W64, Reg::Rdi, machine_register);
            m_asm.load(Width::W64, Reg::Rax, Mem::at(machine_register, machine_offset_functions));
            m_asm.load(Width::W64, Reg::Rsi, Mem::at(Reg::Rax, static_cast<i32>(function_index * 8)));
            m_asm.lea(Reg::Rdx, Mem::at(frame_register, offset));
            call_helper(reinterpret_cast<const void*>(&athanor_native_call), true);
        } else {
            m_asm.lea(frame_register, Mem::at(frame_register, offset));
            m_asm.call(m_labels.functions[function_index - m_module.imported_function_count]);
            m_asm.lea(frame_register, Mem::at(frame_register, -offset));
        }
        replace_with_results(type);
    }

    void call_indirect(u32 type_index, u32 table_index) override
    {
        auto type = m_module.function_type(type_index);
        if (!all_slot_types(type))
            return note_unsupported("call_indirect with v128");
        Reg element = pop_to_register();
        spill_all();
        m_asm.mov(Width::W32, Reg::Rcx, element);
        release(element);
        u32 first_argument = static_cast<u32>(m_stack.size() - type.parameters.size());
        i32 offset = slot_offset(first_argument);
        m_asm.mov(Width::W64, Reg::Rdi, machine_register);
        m_asm.mov_imm(Reg::Rsi, type_index);
        m_asm.mov_imm(Reg::Rdx, table_index);
        m_asm.lea(Reg::R8, Mem::at(frame_register, offset));
        m_asm.mov_imm(Reg::Rax, reinterpret_cast<uptr>(&athanor_native_call_indirect));
        m_asm.call_reg(Reg::Rax);
        // null: trapped; 1: called by the helper; else a compiled function of ours to call.
        auto done = m_asm.new_label();
        m_asm.test(Width::W64, Reg::Rax, Reg::Rax);
        m_asm.jcc(Cond::E, m_labels.unwind);
        m_asm.alu_imm(AluOp::Cmp, Width::W64, Reg::Rax, 1);
        m_asm.jcc(Cond::E, done);
        m_asm.lea(frame_register, Mem::at(frame_register, offset));
        m_asm.call_reg(Reg::Rax);
        m_asm.lea(frame_register, Mem::at(frame_register, -offset));
        m_asm.bind(done);
        m_asm.load(Width::W64, memory_register, Mem::at(machine_register, machine_offset_memory_base));
        replace_with_results(type);
    }

    void drop(ValueType) override
    {
        Entry entry = pop_entry();
        if (entry.kind == Entry::Kind::Register)
            release(entry.reg);
        check_in_sync();
    }

    void select(ValueType type) override
    {
        if (!is_slot_type(type))
            return note_unsupported("select of v128");
        Reg condition = pop_to_register();
        Reg second = pop_to_register();
        Reg first = pop_to_register();
        m_asm.test(Width::W32, condition, condition);
        m_asm.cmov(Cond::E, Width::W64, first, second);
        release(condition);
        release(second);
        push_register(first);
    }

    void local_get(u32 local_index) override
    {
        Reg reg = take_register();
        m_asm.load(Width::W64, reg, local(local_index));
        push_register(reg);
    }

    void local_set(u32 local_index, bool tee) override
    {
        Reg reg = pop_to_register();
        m_asm.store(Width::W64, local(local_index), reg);
        if (tee)
            push_register(reg);
        else
            release(reg);
    }

    void global_get(u32 global_index, ValueType type) override
    {
        if (!is_slot_type(type))
            return note_unsupported("global.get of v128");
        Reg reg = take_register();
        m_asm.load(Width::W64, Reg::Rax, Mem::at(machine_register, machine_offset_globals));
        m_asm.load(Width::W64, Reg::Rax, Mem::at(Reg::Rax, static_cast<i32>(global_index * 8)));
        m_asm.load(Width::W64, reg, Mem::at(Reg::Rax, global_offset_low));
        push_register(reg);
    }

    void global_set(u32 global_index, ValueType type) override
    {
        if (!is_slot_type(type))
            return note_unsupported("global.set of v128");
        Reg reg = pop_to_register();
        m_asm.load(Width::W64, Reg::Rax, Mem::at(machine_register, machine_offset_globals));
        m_asm.load(Width::W64, Reg::Rax, Mem::at(Reg::Rax, static_cast<i32>(global_index * 8)));
        m_asm.store(Width::W64, Mem::at(Reg::Rax, global_offset_low), reg);
        release(reg);
    }

    void table_get(u32 table) override { interpret(Op::TableGet, 1, 1, 1, table); }
    void table_set(u32 table) override { interpret(Op::TableSet, 2, 0, 1, table); }

    void load(u8 opcode, u64 offset) override
    {
        Reg address = pop_to_register();
        Mem at = memory_operand(address, offset, access_width(opcode));
        switch (opcode) {
        case 0x28: // i32.load
        case 0x2A: // f32.load
        case 0x35: // i64.load32_u
            m_asm.load(Width::W32, address, at);
            break;
        case 0x29: // i64.load
        case 0x2B: // f64.load
            m_asm.load(Width::W64, address, at);
            break;
        case 0x2C: m_asm.load_sign_extend8(Width::W32, address, at); break;
        case 0x2D: // i32.load8_u
        case 0x31: // i64.load8_u
            m_asm.load_zero_extend8(address, at);
            break;
        case 0x2E: m_asm.load_sign_extend16(Width::W32, address, at); break;
        case 0x2F: // i32.load16_u
        case 0x33: // i64.load16_u
            m_asm.load_zero_extend16(address, at);
            break;
        case 0x30: m_asm.load_sign_extend8(Width::W64, address, at); break;
        case 0x32: m_asm.load_sign_extend16(Width::W64, address, at); break;
        case 0x34: m_asm.load_sign_extend32(address, at); break;
        default: return note_unsupported("load");
        }
        push_register(address);
    }

    void store(u8 opcode, u64 offset) override
    {
        Reg value = pop_to_register();
        Reg address = pop_to_register();
        Mem at = memory_operand(address, offset, access_width(opcode));
        switch (opcode) {
        case 0x36: // i32.store
        case 0x38: // f32.store
        case 0x3E: // i64.store32
            m_asm.store(Width::W32, at, value);
            break;
        case 0x37: // i64.store
        case 0x39: // f64.store
            m_asm.store(Width::W64, at, value);
            break;
        case 0x3A: // i32.store8
        case 0x3C: // i64.store8
            m_asm.store8(at, value);
            break;
        case 0x3B: // i32.store16
        case 0x3D: // i64.store16
            m_asm.store16(at, value);
            break;
        default: note_unsupported("store"); break;
        }
        release(value);
        release(address);
    }

    void memory_size() override
    {
        // The validator pushed the result; it is not ours until the helper returns.
        spill_below_result();
        m_asm.mov(Width::W64, Reg::Rdi, machine_register);
        call_helper(reinterpret_cast<const void*>(&athanor_native_memory_size), false);
        Reg reg = take_register();
        m_asm.mov(Width::W32, reg, Reg::Rax);
        push_register(reg);
    }

    void memory_grow() override
    {
        Reg delta = pop_to_register();
        spill_all();
        m_asm.mov(Width::W32, Reg::Rsi, delta);
        release(delta);
        m_asm.mov(Width::W64, Reg::Rdi, machine_register);
        call_helper(reinterpret_cast<const void*>(&athanor_native_memory_grow), false);
        Reg reg = take_register();
        m_asm.mov(Width::W32, reg, Reg::Rax);
        push_register(reg);
    }

    void constant(u64 bits) override
    {
        Entry entry;
        entry.kind = Entry::Kind::Constant;
        entry.constant = bits;
        push_entry(entry);
    }

    void unary(u8 opcode) override;
    void binary(u8 opcode, ValueType operand) override;
    void truncate_saturating(u32 sub_opcode) override { interpret(interpreter_op_of_saturating(sub_opcode), 1, 1); }

    void ref_null(ValueType) override { constant(0); }
    void ref_is_null() override
    {
        Reg reg = pop_to_register();
        m_asm.test(Width::W64, reg, reg);
        m_asm.setcc(Cond::E, reg);
        m_asm.zero_extend8(reg, reg);
        push_register(reg);
    }
    void ref_func(u32 function_index) override { interpret(Op::RefFunc, 0, 1, 1, function_index); }

    // Bulk memory and table instructions: the interpreter's handlers (interpret()).
    void memory_init(u32 data_index) override { interpret(Op::MemoryInit, 3, 0, 1, data_index); }
    void data_drop(u32 data_index) override { interpret(Op::DataDrop, 0, 0, 1, data_index); }
    void memory_copy() override { interpret(Op::MemoryCopy, 3, 0); }
    void memory_fill() override { interpret(Op::MemoryFill, 3, 0); }
    void table_init(u32 table_index, u32 element_index) override { interpret(Op::TableInit, 3, 0, 2, table_index, element_index); }
    void elem_drop(u32 element_index) override { interpret(Op::ElemDrop, 0, 0, 1, element_index); }
    void table_copy(u32 destination, u32 source) override { interpret(Op::TableCopy, 3, 0, 2, destination, source); }
    void table_grow(u32 table_index) override { interpret(Op::TableGrow, 2, 1, 1, table_index); }
    void table_size(u32 table_index) override { interpret(Op::TableSize, 0, 1, 1, table_index); }
    void table_fill(u32 table_index) override { interpret(Op::TableFill, 3, 0, 1, table_index); }

    void vector_operation(u32) override { note_unsupported("SIMD"); }
    void vector_lane(u32, u8) override { note_unsupported("SIMD"); }
    void vector_memory(u32, u64, Optional<u8>) override { note_unsupported("SIMD"); }
    void vector_constant(u64, u64) override { note_unsupported("SIMD"); }
    void vector_shuffle(const u8 (&)[16]) override { note_unsupported("SIMD"); }

private:
    struct Entry {
        enum class Kind : u8 { Slot, Register, Constant };
        Kind kind { Kind::Slot };
        Reg reg { Reg::Rax };
        u64 constant { 0 };
    };
    struct FrameLabels {
        Assembler::Label target;      // where a branch to the frame goes (loop: its start)
        Assembler::Label alternative; // an if's else
        bool else_bound { false };
    };
    struct TableTarget {
        u32 depth;
        Assembler::Label label;
    };

    static Error unsupported(const char* what) { return Error::from(ErrorCode::Unsupported, what); }
    void note_unsupported(const char* what)
    {
        if (!m_error.is_error())
            m_error = unsupported(what);
    }
    void append_frame(const FrameLabels& labels)
    {
        if (m_frames.append(labels).is_error())
            m_stack_error = true;
    }

    static bool all_slot_types(const FunctionType& type)
    {
        for (auto t : type.parameters) {
            if (!is_slot_type(t))
                return false;
        }
        for (auto t : type.results) {
            if (!is_slot_type(t))
                return false;
        }
        return true;
    }

    i32 slot_offset(u32 stack_index) const { return static_cast<i32>((m_local_count + stack_index) * 8); }
    Mem slot(u32 stack_index) const { return Mem::at(frame_register, slot_offset(stack_index)); }
    Mem local(u32 index) const { return Mem::at(frame_register, static_cast<i32>(index * 8)); }

    // The compiler's own operand stack must match the validator's after every instruction; if a
    // bug ever broke that, the module goes to the interpreter instead of running wrong code.
    void check_in_sync()
    {
        if (m_validator->reachable() && m_stack.size() != m_validator->operands().size())
            note_unsupported("compiler operand stack out of step (a compiler bug)");
    }

    // ---- the register cache ----

    Reg take_register()
    {
        for (usize i = 0; i < cache_register_count; ++i) {
            if (!(m_used & (1u << i))) {
                m_used |= 1u << i;
                return cache_registers[i];
            }
        }
        // None free: spill the lowest entry held in a register (entries below m_spilled_below
        // hold none, so the scan is amortised constant).
        for (usize i = m_spilled_below; i < m_stack.size(); ++i) {
            if (m_stack[i].kind == Entry::Kind::Register) {
                Reg reg = m_stack[i].reg;
                m_asm.store(Width::W64, slot(static_cast<u32>(i)), reg);
                m_stack[i].kind = Entry::Kind::Slot;
                m_spilled_below = i + 1;
                return reg; // stays marked used: it changes owner
            }
        }
        // Unreachable by construction: at most two registers are held outside the stack.
        note_unsupported("register cache exhausted (a compiler bug)");
        return Reg::Rax;
    }

    void release(Reg reg)
    {
        for (usize i = 0; i < cache_register_count; ++i) {
            if (cache_registers[i] == reg)
                m_used &= ~(1u << i);
        }
    }

    void push_entry(const Entry& entry)
    {
        if (m_stack.append(entry).is_error())
            m_stack_error = true;
    }
    void push_register(Reg reg)
    {
        Entry entry;
        entry.kind = Entry::Kind::Register;
        entry.reg = reg;
        push_entry(entry);
        check_in_sync();
    }

    Entry pop_entry()
    {
        if (m_stack.is_empty()) {
            note_unsupported("compiler operand stack underflow (a compiler bug)");
            return Entry {};
        }
        Entry entry = m_stack.take_last();
        if (m_spilled_below > m_stack.size())
            m_spilled_below = m_stack.size();
        return entry;
    }

    // Pops the top entry into a register the caller owns (and must release or push).
    Reg pop_to_register()
    {
        u32 index = static_cast<u32>(m_stack.size() - 1);
        Entry entry = pop_entry();
        if (entry.kind == Entry::Kind::Register)
            return entry.reg;
        Reg reg = take_register();
        if (entry.kind == Entry::Kind::Constant)
            m_asm.mov_imm(reg, entry.constant);
        else
            m_asm.load(Width::W64, reg, slot(index));
        return reg;
    }

    void spill_entry(usize i)
    {
        Entry& entry = m_stack[i];
        if (entry.kind == Entry::Kind::Register) {
            m_asm.store(Width::W64, slot(static_cast<u32>(i)), entry.reg);
            release(entry.reg);
        } else if (entry.kind == Entry::Kind::Constant) {
            i64 value = static_cast<i64>(entry.constant);
            if (value >= -0x80000000ll && value <= 0x7FFFFFFFll) {
                m_asm.store_imm32(Width::W64, slot(static_cast<u32>(i)), static_cast<i32>(value));
            } else {
                m_asm.mov_imm(Reg::Rax, entry.constant);
                m_asm.store(Width::W64, slot(static_cast<u32>(i)), Reg::Rax);
            }
        }
        entry.kind = Entry::Kind::Slot;
    }

    // Everything to its slot: the state at every join, branch and call.
    void spill_all()
    {
        for (usize i = m_spilled_below; i < m_stack.size(); ++i)
            spill_entry(i);
        m_spilled_below = m_stack.size();
    }

    // memory.size: the validator already pushed the result, which we have not; spill the rest.
    void spill_below_result() { spill_all(); }

    // The top entry as an immediate of an operation of `width` (32-bit operations take any u32;
    // 64-bit ones a sign-extended 32-bit value).
    bool top_is_immediate(Width width, i32& immediate) const
    {
        if (m_stack.is_empty() || m_stack[m_stack.size() - 1].kind != Entry::Kind::Constant)
            return false;
        u64 value = m_stack[m_stack.size() - 1].constant;
        if (width == Width::W32) {
            immediate = static_cast<i32>(static_cast<u32>(value));
            return true;
        }
        i64 signed_value = static_cast<i64>(value);
        if (signed_value < -0x80000000ll || signed_value > 0x7FFFFFFFll)
            return false;
        immediate = static_cast<i32>(signed_value);
        return true;
    }

    // Drops entries above `height` and pushes `types` as values in their slots (a join's state).
    void reset_stack(usize height, Span<const ValueType> types)
    {
        while (m_stack.size() > height) {
            Entry entry = pop_entry();
            if (entry.kind == Entry::Kind::Register)
                release(entry.reg);
        }
        m_spilled_below = m_stack.size();
        for (usize i = 0; i < types.size(); ++i)
            push_entry(Entry {});
        m_spilled_below = m_stack.size();
    }

    // After a call (everything spilled): the arguments become the results, in their slots.
    void replace_with_results(const FunctionType& type)
    {
        for (usize i = 0; i < type.parameters.size(); ++i)
            (void)pop_entry();
        for (usize i = 0; i < type.results.size(); ++i)
            push_entry(Entry {});
        m_spilled_below = m_stack.size();
        check_in_sync();
    }

    // Calls a C helper (everything spilled, arguments set); on `checks_trap`, a false return unwinds.
    void call_helper(const void* helper, bool checks_trap)
    {
        m_asm.mov_imm(Reg::Rax, reinterpret_cast<uptr>(helper));
        m_asm.call_reg(Reg::Rax);
        if (checks_trap) { // a C bool: only the low byte is defined
            m_asm.alu_imm(AluOp::And, Width::W32, Reg::Rax, 0xFF);
            m_asm.jcc(Cond::E, m_labels.unwind);
        }
        m_asm.load(Width::W64, memory_register, Mem::at(machine_register, machine_offset_memory_base));
    }

    // Nothing wanted: one compare. Only the interrupt word wanted (a booted process: preemption
    // and kill): read it inline, call poll_budget only when it is raised. Fuel or a trap request:
    // poll_budget every time, as the interpreter.
    void emit_poll()
    {
        auto done = m_asm.new_label();
        auto call = m_asm.new_label();
        m_asm.alu_mem_imm8(AluOp::Cmp, Mem::at(machine_register, machine_offset_poll), 0);
        m_asm.jcc(Cond::E, done);
        m_asm.alu_mem_imm8(AluOp::Cmp, Mem::at(machine_register, machine_offset_slow_poll), 0);
        m_asm.jcc(Cond::NE, call);
        m_asm.load(Width::W64, Reg::Rax, Mem::at(machine_register, machine_offset_interrupt_word));
        m_asm.test(Width::W64, Reg::Rax, Reg::Rax);
        m_asm.jcc(Cond::E, call);
        m_asm.load(Width::W32, Reg::Rax, Mem::at(Reg::Rax, 0));
        m_asm.test(Width::W32, Reg::Rax, Reg::Rax);
        m_asm.jcc(Cond::E, done);
        m_asm.bind(call);
        m_asm.mov(Width::W64, Reg::Rdi, machine_register);
        m_asm.mov_imm(Reg::Rax, reinterpret_cast<uptr>(&athanor_native_poll));
        m_asm.call_reg(Reg::Rax);
        m_asm.alu_imm(AluOp::And, Width::W32, Reg::Rax, 0xFF);
        m_asm.jcc(Cond::E, m_labels.unwind);
        m_asm.bind(done);
    }

    // Whether a branch to `depth` is a bare jump: no values to move, not a back-edge, not a return.
    bool branch_is_plain_jump(u32 depth) const
    {
        const ControlFrame& target = m_validator->frame(depth);
        if (target.kind == FrameKind::Function || target.kind == FrameKind::Loop)
            return false;
        usize arity = target.label_types().size();
        return arity == 0 || m_stack.size() - arity == target.height;
    }

    // A taken branch (everything spilled): the label's values to their slots, the poll on a
    // back-edge, the jump (or the function's return).
    void emit_branch_to(u32 depth)
    {
        const ControlFrame& target = m_validator->frame(depth);
        if (target.kind == FrameKind::Function) {
            emit_return();
            return;
        }
        usize arity = target.label_types().size();
        move_values(m_stack.size() - arity, slot_offset(static_cast<u32>(target.height)), arity);
        if (target.kind == FrameKind::Loop)
            emit_poll();
        m_asm.jmp(m_frames[m_frames.size() - 1 - depth].target);
    }

    // Copies `count` spilled stack values starting at stack index `from` to fp + `to_offset`
    // (always downwards or in place, so a forward copy is safe).
    void move_values(usize from, i32 to_offset, usize count)
    {
        if (slot_offset(static_cast<u32>(from)) == to_offset)
            return;
        for (usize i = 0; i < count; ++i) {
            m_asm.load(Width::W64, Reg::Rax, slot(static_cast<u32>(from + i)));
            m_asm.store(Width::W64, Mem::at(frame_register, to_offset + static_cast<i32>(i * 8)), Reg::Rax);
        }
    }

    // The results (top of the stack) to fp[0...], then back to the caller.
    void emit_return()
    {
        spill_all();
        usize count = m_module.function_type(m_function.type_index).results.size();
        move_values(m_stack.size() - count, 0, count);
        m_asm.alu_imm(AluOp::Add, Width::W64, Reg::Rsp, 8);
        m_asm.ret();
    }

    // [memory base + address + offset]: the address register holds a zero-extended u32; an
    // offset past 2^31 goes through rax. An access whose offset and width alone pass 4 GiB is out of
    // bounds whatever the address (a wasm32 memory is at most 4 GiB) and traps without touching
    // memory, so no access reaches past base + 8 GiB - 1: the reservation and its guard
    // (LinearMemoryProvider::guards_wasm32_accesses).
    Mem memory_operand(Reg address, u64 offset, u32 width)
    {
        if (offset + width > (1ull << 32))
            m_asm.jmp(trap_label(TrapKind::OutOfBoundsMemoryAccess));
        if (offset <= 0x7FFFFFFF)
            return Mem::indexed(memory_register, address, 1, static_cast<i32>(offset));
        m_asm.mov_imm(Reg::Rax, offset);
        m_asm.alu(AluOp::Add, Width::W64, Reg::Rax, address);
        return Mem::indexed(memory_register, Reg::Rax, 1, 0);
    }

    // Bytes read or written by a load (0x28..0x35) or store (0x36..0x3E).
    static u32 access_width(u8 opcode)
    {
        switch (opcode) {
        case 0x29: case 0x2B: case 0x37: case 0x39: return 8;
        case 0x28: case 0x2A: case 0x34: case 0x35: case 0x36: case 0x38: case 0x3E: return 4;
        case 0x2E: case 0x2F: case 0x32: case 0x33: case 0x3B: case 0x3D: return 2;
        default: return 1;
        }
    }

    Assembler::Label trap_label(TrapKind kind) { return m_labels.trap[static_cast<usize>(kind)]; }

    // Runs one instruction through the interpreter's handler for `op` (with up to two immediates)
    // on the spilled operand slots: `popped` operands in, `pushed` results out, in their slots.
    // At the hook the validator's stack is already past the instruction, ours not yet.
    void interpret(Op op, u32 popped, u32 pushed, u32 immediates = 0, u64 first = 0, u64 second = 0)
    {
        if (op == Op::Count)
            return note_unsupported("instruction");
        spill_all();
        Snippet snippet { m_asm.new_label(), {}, 0 };
        snippet.words[snippet.count++] = reinterpret_cast<uptr>(handler_of(op));
        if (immediates > 0)
            snippet.words[snippet.count++] = first;
        if (immediates > 1)
            snippet.words[snippet.count++] = second;
        snippet.words[snippet.count++] = reinterpret_cast<uptr>(handler_of(Op::Exit));
        if (m_labels.snippets.append(snippet).is_error())
            m_stack_error = true;
        m_asm.mov(Width::W64, Reg::Rdi, machine_register);
        m_asm.lea_rip(Reg::Rsi, snippet.label);
        m_asm.lea(Reg::Rdx, slot(static_cast<u32>(m_stack.size())));
        m_asm.mov(Width::W64, Reg::Rcx, frame_register);
        call_helper(reinterpret_cast<const void*>(&athanor_native_interpret), true);
        for (u32 i = 0; i < popped; ++i)
            (void)pop_entry();
        for (u32 i = 0; i < pushed; ++i)
            push_entry(Entry {});
        m_spilled_below = m_stack.size();
        check_in_sync();
    }

    void emit_division(u8 opcode, Width width);
    void float_binary(u8 opcode, bool is_double);
    void float_unary(u8 opcode);

private:
    ModuleData& m_module;
    FunctionData& m_function;
    Assembler& m_asm;
    ModuleLabels& m_labels;
    FunctionValidator* m_validator { nullptr };
    Vector<Entry> m_stack;
    Vector<FrameLabels> m_frames;
    Vector<TableTarget> m_table_targets;
    u32 m_local_count { 0 };
    u32 m_used { 0 }; // bit i: cache_registers[i] is held
    usize m_spilled_below { 0 };
    bool m_stack_error { false };
    ErrorOr m_error;
};

void Compiler::unary(u8 opcode)
{
    switch (opcode) {
    case 0xBC: // i32.reinterpret_f32, i64.reinterpret_f64, f32.reinterpret_i32, f64.reinterpret_i64:
    case 0xBD: // the same bits in the same slot
    case 0xBE:
    case 0xBF:
        return;
    default:
        break;
    }
    Width width = Width::W32;
    switch (opcode) {
    case 0x50: case 0x79: case 0x7A: case 0x7B: case 0xC2: case 0xC3: case 0xC4: case 0xAC:
        width = Width::W64;
        break;
    default:
        break;
    }
    switch (opcode) {
    case 0x45: case 0x50: case 0x67: case 0x68: case 0x69: case 0x79: case 0x7A: case 0x7B:
    case 0xA7: case 0xAC: case 0xAD: case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC4:
        break;
    default: // floating-point operations and conversions
        return float_unary(opcode);
    }
    Reg reg = pop_to_register();
    switch (opcode) {
    case 0x45: // i32.eqz
    case 0x50: // i64.eqz
        m_asm.test(width, reg, reg);
        m_asm.setcc(Cond::E, reg);
        m_asm.zero_extend8(reg, reg);
        break;
    case 0x67: // clz: bsr leaves ZF set for 0, then 63 ^ 31 = 32 (127 ^ 63 = 64)
    case 0x79:
        m_asm.bsr(width, reg, reg);
        m_asm.mov_imm(Reg::Rax, width == Width::W64 ? 127 : 63);
        m_asm.cmov(Cond::E, width, reg, Reg::Rax);
        m_asm.alu_imm(AluOp::Xor, width, reg, width == Width::W64 ? 63 : 31);
        break;
    case 0x68: // ctz
    case 0x7A:
        m_asm.bsf(width, reg, reg);
        m_asm.mov_imm(Reg::Rax, width == Width::W64 ? 64 : 32);
        m_asm.cmov(Cond::E, width, reg, Reg::Rax);
        break;
    case 0x69: // popcnt
    case 0x7B:
        m_asm.popcnt(width, reg, reg);
        break;
    case 0xA7: // i32.wrap_i64
    case 0xAD: // i64.extend_i32_u (already zero-extended; kept explicit)
        m_asm.mov(Width::W32, reg, reg);
        break;
    case 0xAC: // i64.extend_i32_s
    case 0xC4: // i64.extend32_s
        m_asm.sign_extend32(reg, reg);
        break;
    case 0xC0: m_asm.sign_extend8(Width::W32, reg, reg); break;
    case 0xC1: m_asm.sign_extend16(Width::W32, reg, reg); break;
    case 0xC2: m_asm.sign_extend8(Width::W64, reg, reg); break;
    case 0xC3: m_asm.sign_extend16(Width::W64, reg, reg); break;
    default: break;
    }
    push_register(reg);
}

void Compiler::binary(u8 opcode, ValueType operand)
{
    if (operand == ValueType::F32 || operand == ValueType::F64)
        return float_binary(opcode, operand == ValueType::F64);
    Width width = operand == ValueType::I64 ? Width::W64 : Width::W32;
    // The i32 numbering: i64 compares are 0x51..0x5A (i32 0x46..0x4F), i64 arithmetic 0x7C..0x8A
    // (i32 0x6A..0x78).
    u8 code = opcode;
    if (width == Width::W64)
        code = opcode <= 0x5A ? static_cast<u8>(opcode - 0x0B) : static_cast<u8>(opcode - 0x12);

    if (code >= 0x46 && code <= 0x4F) {
        constexpr Cond conditions[] = { Cond::E, Cond::NE, Cond::L, Cond::B, Cond::G, Cond::A, Cond::LE, Cond::BE, Cond::GE, Cond::AE };
        i32 immediate;
        Reg first;
        if (top_is_immediate(width, immediate)) {
            (void)pop_entry();
            first = pop_to_register();
            m_asm.alu_imm(AluOp::Cmp, width, first, immediate);
        } else {
            Reg second = pop_to_register();
            first = pop_to_register();
            m_asm.alu(AluOp::Cmp, width, first, second);
            release(second);
        }
        m_asm.setcc(conditions[code - 0x46], first);
        m_asm.zero_extend8(first, first);
        push_register(first);
        return;
    }
    switch (code) {
    case 0x6A: case 0x6B: case 0x71: case 0x72: case 0x73: {
        AluOp op = code == 0x6A ? AluOp::Add : code == 0x6B ? AluOp::Sub : code == 0x71 ? AluOp::And : code == 0x72 ? AluOp::Or : AluOp::Xor;
        i32 immediate;
        if (top_is_immediate(width, immediate)) {
            (void)pop_entry();
            Reg first = pop_to_register();
            m_asm.alu_imm(op, width, first, immediate);
            push_register(first);
        } else {
            Reg second = pop_to_register();
            Reg first = pop_to_register();
            m_asm.alu(op, width, first, second);
            release(second);
            push_register(first);
        }
        return;
    }
    case 0x6C: { // mul
        Reg second = pop_to_register();
        Reg first = pop_to_register();
        m_asm.imul(width, first, second);
        release(second);
        push_register(first);
        return;
    }
    case 0x6D: case 0x6E: case 0x6F: case 0x70:
        emit_division(code, width);
        return;
    case 0x74: case 0x75: case 0x76: case 0x77: case 0x78: {
        ShiftOp op = code == 0x74 ? ShiftOp::Shl : code == 0x75 ? ShiftOp::Sar : code == 0x76 ? ShiftOp::Shr : code == 0x77 ? ShiftOp::Rol : ShiftOp::Ror;
        i32 immediate;
        if (top_is_immediate(width, immediate)) {
            (void)pop_entry();
            Reg first = pop_to_register();
            m_asm.shift_imm(op, width, first, static_cast<u8>(immediate & (width == Width::W64 ? 63 : 31)));
            push_register(first);
        } else {
            Reg second = pop_to_register();
            Reg first = pop_to_register();
            m_asm.mov(Width::W32, Reg::Rcx, second); // the count masks itself (cl & 31 / 63)
            m_asm.shift_cl(op, width, first);
            release(second);
            push_register(first);
        }
        return;
    }
    default:
        note_unsupported("instruction");
        return;
    }
}

// f32/f64 values live in general registers as their bits; an operation moves them through xmm0/xmm1.
constexpr u8 xmm0 = 0, xmm1 = 1;
constexpr u8 single_prefix = 0xF3, double_prefix = 0xF2;

// f32 (0x5B..0x60, 0x92..0x98) and f64 (0x61..0x66, 0xA0..0xA6) binary operations. min and max (NaN
// and signed-zero rules x86's minss/maxss do not follow) run through the interpreter's handler.
void Compiler::float_binary(u8 opcode, bool is_double)
{
    u8 code = is_double ? static_cast<u8>(opcode <= 0x66 ? opcode - 6 : opcode - 0x0E) : opcode; // f32 numbering
    Width width = is_double ? Width::W64 : Width::W32;
    u8 prefix = is_double ? double_prefix : single_prefix;
    if (code == 0x96 || code == 0x97)
        return interpret(interpreter_op_of_numeric(opcode), 2, 1);
    Reg second = pop_to_register();
    Reg first = pop_to_register();
    if (code == 0x98) { // copysign: the magnitude of first, the sign of second
        u64 sign = is_double ? 0x8000000000000000ull : 0x80000000ull;
        m_asm.mov_imm(Reg::Rax, sign);
        m_asm.alu(AluOp::And, width, second, Reg::Rax);
        m_asm.mov_imm(Reg::Rax, ~sign & (is_double ? ~0ull : 0xFFFFFFFFull));
        m_asm.alu(AluOp::And, width, first, Reg::Rax);
        m_asm.alu(AluOp::Or, width, first, second);
        release(second);
        push_register(first);
        return;
    }
    m_asm.movq_to_xmm(width, xmm0, first);
    m_asm.movq_to_xmm(width, xmm1, second);
    release(second);
    if (code >= 0x5B && code <= 0x60) {
        // ucomiss/ucomisd: unordered sets ZF, PF and CF, so "above" and "above or equal" are false
        // for NaN; lt and le compare the other way round.
        u8 compare_prefix = is_double ? 0x66 : 0;
        bool swapped = code == 0x5D || code == 0x5F;
        m_asm.mov_imm(Reg::Rax, 0);
        m_asm.mov_imm(Reg::Rcx, 0);
        m_asm.sse(compare_prefix, 0x2E, false, swapped ? xmm1 : xmm0, swapped ? xmm0 : xmm1);
        switch (code) {
        case 0x5B: // eq: ZF and not PF
            m_asm.setcc(Cond::E, Reg::Rax);
            m_asm.setcc(Cond::NP, Reg::Rcx);
            m_asm.alu(AluOp::And, Width::W32, Reg::Rax, Reg::Rcx);
            break;
        case 0x5C: // ne: not ZF, or PF
            m_asm.setcc(Cond::NE, Reg::Rax);
            m_asm.setcc(Cond::P, Reg::Rcx);
            m_asm.alu(AluOp::Or, Width::W32, Reg::Rax, Reg::Rcx);
            break;
        case 0x5D: // lt: b > a
        case 0x5E: // gt: a > b
            m_asm.setcc(Cond::A, Reg::Rax);
            break;
        default: // le: b >= a; ge: a >= b
            m_asm.setcc(Cond::AE, Reg::Rax);
            break;
        }
        m_asm.mov(Width::W32, first, Reg::Rax);
        push_register(first);
        return;
    }
    u8 sse_opcode = code == 0x92 ? 0x58 : code == 0x93 ? 0x5C : code == 0x94 ? 0x59 : 0x5E; // add sub mul div
    m_asm.sse(prefix, sse_opcode, false, xmm0, xmm1);
    m_asm.movq_from_xmm(width, first, xmm0);
    push_register(first);
}

// f32 (0x8B..0x91) and f64 (0x99..0x9F) unary operations, conversions to and between floats;
// the trapping truncations and the u64 conversions run through the interpreter's handler.
void Compiler::float_unary(u8 opcode)
{
    bool is_double = opcode >= 0x99 && opcode <= 0x9F;
    u8 code = is_double ? static_cast<u8>(opcode - 0x0E) : opcode;
    Width width = is_double ? Width::W64 : Width::W32;
    if (code >= 0x8B && code <= 0x91) {
        Reg reg = pop_to_register();
        u64 sign = is_double ? 0x8000000000000000ull : 0x80000000ull;
        switch (code) {
        case 0x8B: // abs
            m_asm.mov_imm(Reg::Rax, ~sign & (is_double ? ~0ull : 0xFFFFFFFFull));
            m_asm.alu(AluOp::And, width, reg, Reg::Rax);
            break;
        case 0x8C: // neg
            m_asm.mov_imm(Reg::Rax, sign);
            m_asm.alu(AluOp::Xor, width, reg, Reg::Rax);
            break;
        case 0x91: // sqrt
            m_asm.movq_to_xmm(width, xmm0, reg);
            m_asm.sse(is_double ? double_prefix : single_prefix, 0x51, false, xmm0, xmm0);
            m_asm.movq_from_xmm(width, reg, xmm0);
            break;
        default: { // ceil floor trunc nearest: SSE4.1 rounding modes 2, 1, 3, 0
            constexpr u8 modes[] = { 2, 1, 3, 0 };
            m_asm.movq_to_xmm(width, xmm0, reg);
            m_asm.round_scalar(is_double, xmm0, xmm0, modes[code - 0x8D]);
            m_asm.movq_from_xmm(width, reg, xmm0);
            break;
        }
        }
        push_register(reg);
        return;
    }
    switch (opcode) {
    case 0xB2: case 0xB3: case 0xB4: // f32.convert_i32_s, _i32_u (as the zero-extended i64), _i64_s
    case 0xB7: case 0xB8: case 0xB9: { // f64.convert_...
        bool to_double = opcode >= 0xB7;
        bool from_wide = opcode != 0xB2 && opcode != 0xB7;
        Reg reg = pop_to_register();
        m_asm.sse(to_double ? double_prefix : single_prefix, 0x2A, from_wide, xmm0, number(reg));
        m_asm.movq_from_xmm(to_double ? Width::W64 : Width::W32, reg, xmm0);
        push_register(reg);
        return;
    }
    case 0xB6: // f32.demote_f64
    case 0xBB: { // f64.promote_f32
        bool demote = opcode == 0xB6;
        Reg reg = pop_to_register();
        m_asm.movq_to_xmm(demote ? Width::W64 : Width::W32, xmm0, reg);
        m_asm.sse(demote ? double_prefix : single_prefix, 0x5A, false, xmm0, xmm0);
        m_asm.movq_from_xmm(demote ? Width::W32 : Width::W64, reg, xmm0);
        push_register(reg);
        return;
    }
    default: // trapping truncations, f32/f64.convert_i64_u
        return interpret(interpreter_op_of_numeric(opcode), 1, 1);
    }
}

// div_s, div_u, rem_s, rem_u (i32 numbering 0x6D..0x70): rdx:rax / rcx.
void Compiler::emit_division(u8 code, Width width)
{
    bool is_signed = code == 0x6D || code == 0x6F;
    bool is_remainder = code == 0x6F || code == 0x70;
    Reg second = pop_to_register();
    Reg first = pop_to_register();
    m_asm.mov(width, Reg::Rcx, second);
    m_asm.mov(width, Reg::Rax, first);
    m_asm.test(width, Reg::Rcx, Reg::Rcx);
    m_asm.jcc(Cond::E, trap_label(TrapKind::IntegerDivideByZero));
    auto done = m_asm.new_label();
    if (is_signed) {
        auto divide = m_asm.new_label();
        m_asm.alu_imm(AluOp::Cmp, width, Reg::Rcx, -1);
        m_asm.jcc(Cond::NE, divide);
        if (is_remainder) {
            m_asm.mov_imm(Reg::Rdx, 0); // x rem -1 = 0 (idiv would fault on the minimum)
            m_asm.jmp(done);
        } else { // minimum / -1 overflows
            if (width == Width::W32) {
                m_asm.alu_imm(AluOp::Cmp, Width::W32, Reg::Rax, static_cast<i32>(0x80000000u));
            } else {
                m_asm.mov_imm(Reg::Rdx, 0x8000000000000000ull);
                m_asm.alu(AluOp::Cmp, Width::W64, Reg::Rax, Reg::Rdx);
            }
            m_asm.jcc(Cond::E, trap_label(TrapKind::IntegerOverflow));
        }
        m_asm.bind(divide);
        m_asm.sign_extend_rax_into_rdx(width);
        m_asm.idiv(width, Reg::Rcx);
    } else {
        m_asm.mov_imm(Reg::Rdx, 0);
        m_asm.div(width, Reg::Rcx);
    }
    m_asm.bind(done);
    m_asm.mov(width, first, is_remainder ? Reg::Rdx : Reg::Rax);
    release(second);
    push_register(first);
}

// The entry stub (NativeTier.h's Trampoline): bool(entry rdi, fp rsi, machine rdx, memory rcx).
void emit_trampoline(Assembler& a, ModuleLabels& labels)
{
    constexpr Reg saved[] = { Reg::Rbp, Reg::Rbx, Reg::R12, Reg::R13, Reg::R14, Reg::R15 };
    for (Reg reg : saved)
        a.push(reg);
    a.mov(Width::W64, machine_register, Reg::Rdx);
    a.mov(Width::W64, frame_register, Reg::Rsi);
    a.mov(Width::W64, memory_register, Reg::Rcx);
    // The outer entry's unwind point, then ours (rsp is 16-byte aligned here: 8 + 6 * 8 + 8).
    a.push_mem(Mem::at(machine_register, machine_offset_unwind_sp));
    a.store(Width::W64, Mem::at(machine_register, machine_offset_unwind_sp), Reg::Rsp);
    // The outermost entry (no limit yet) puts the limit `budget` below the stack pointer the
    // first function is called with: depth d runs at rsp - 16 d, so exactly budget / 16 fit.
    auto limit_set = a.new_label();
    a.load(Width::W64, Reg::Rax, Mem::at(machine_register, machine_offset_stack_limit));
    a.test(Width::W64, Reg::Rax, Reg::Rax);
    a.jcc(Cond::NE, limit_set);
    a.load(Width::W64, Reg::Rdx, Mem::at(machine_register, machine_offset_stack_budget)); // rdx: copied to r13
    a.mov(Width::W64, Reg::Rax, Reg::Rsp);
    a.alu(AluOp::Sub, Width::W64, Reg::Rax, Reg::Rdx);
    a.store(Width::W64, Mem::at(machine_register, machine_offset_stack_limit), Reg::Rax);
    a.bind(limit_set);
    a.call_reg(Reg::Rdi);
    a.mov_imm(Reg::Rax, 1);
    a.bind(labels.trampoline_exit);
    a.pop_mem(Mem::at(machine_register, machine_offset_unwind_sp));
    for (usize i = sizeof(saved) / sizeof(saved[0]); i-- > 0;)
        a.pop(saved[i]);
    a.ret();
}

// One stub per trap kind (record it, unwind), and the unwind itself.
void emit_trap_stubs(Assembler& a, ModuleLabels& labels)
{
    for (usize kind = 0; kind < sizeof(labels.trap) / sizeof(labels.trap[0]); ++kind) {
        a.bind(labels.trap[kind]);
        a.store_imm8(Mem::at(machine_register, machine_offset_trap_kind), static_cast<u8>(kind));
        a.store_imm8(Mem::at(machine_register, machine_offset_trapped), 1);
        a.jmp(labels.unwind);
    }
    a.bind(labels.unwind);
    a.load(Width::W64, Reg::Rsp, Mem::at(machine_register, machine_offset_unwind_sp));
    a.mov_imm(Reg::Rax, 0);
    a.jmp(labels.trampoline_exit);
}

} // namespace

// The compiler emits SSE4.1 (roundss/roundsd) and popcnt (x86-64-v2); CPUID leaf 1 says whether
// this CPU has them (asked per module: the engine keeps no global state).
const char* compiled_tier_unavailable_reason()
{
    u32 eax = 1, ebx, ecx, edx;
    asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "c"(0u));
    constexpr u32 sse4_1 = 1u << 19, popcnt = 1u << 23;
    if ((ecx & (sse4_1 | popcnt)) != (sse4_1 | popcnt))
        return "the CPU lacks SSE4.1 or POPCNT, which the x86_64 compiler emits";
    return nullptr;
}

Result<NativeModule*> compile_native_module(ModuleData& module, CodeMemoryProvider& provider)
{
    if (const char* reason = compiled_tier_unavailable_reason())
        return Error::from(ErrorCode::Unsupported, reason);
    Allocator& allocator = *module.allocator;
    Assembler a(allocator);
    ModuleLabels labels;
    labels.functions.set_allocator(allocator);
    labels.snippets.set_allocator(allocator);
    for (auto& label : labels.trap)
        label = a.new_label();
    labels.unwind = a.new_label();
    labels.trampoline_exit = a.new_label();
    u32 defined = static_cast<u32>(module.functions.size() - module.imported_function_count);
    Vector<u32> entries(allocator);
    TRY(labels.functions.reserve(defined));
    TRY(entries.reserve(defined));
    for (u32 i = 0; i < defined; ++i)
        labels.functions.append_within_capacity(a.new_label());

    emit_trampoline(a, labels);
    for (u32 i = 0; i < defined; ++i) {
        u32 index = module.imported_function_count + i;
        a.bind(labels.functions[i]);
        entries.append_within_capacity(static_cast<u32>(a.size()));
        Compiler compiler(module, index, a, labels);
        FunctionDecoder<Compiler> decoder(module, index, compiler);
        TRY(decoder.validate());
    }
    emit_trap_stubs(a, labels);
    a.align(8); // the snippets are Instr words, read as aligned 64-bit values
    for (const Snippet& snippet : labels.snippets) {
        a.bind(snippet.label);
        for (u32 i = 0; i < snippet.count; ++i)
            a.data64(snippet.words[i]);
    }
    if (a.failed())
        return Error::from(ErrorCode::OutOfMemory, "out of memory");
    if (!a.all_fixups_resolved())
        return Error::from(ErrorCode::Unsupported, "unresolved label (a compiler bug)");

    usize size = a.size();
    u8* code = TRY(provider.allocate(size));
    __builtin_memcpy(code, a.data(), size);
    const u8* landing = code + a.label_position(labels.trap[static_cast<usize>(TrapKind::OutOfBoundsMemoryAccess)]);
    if (auto made = provider.make_executable(code, size, landing); made.is_error()) {
        provider.release(code, size);
        return made.release_error();
    }
    void* memory = allocator.allocate(sizeof(NativeModule), alignof(NativeModule));
    if (!memory) {
        provider.release(code, size);
        return Error::from(ErrorCode::OutOfMemory, "out of memory");
    }
    auto* native = new (memory) NativeModule();
    native->provider = &provider;
    native->code = code;
    native->size = size;
    native->trampoline_offset = 0;
    native->entry_offsets = static_cast<Vector<u32>&&>(entries);
    return native;
}

void release_native_module(NativeModule* native, Allocator& allocator)
{
    native->provider->release(native->code, native->size);
    native->~NativeModule();
    allocator.deallocate(native, sizeof(NativeModule), alignof(NativeModule));
}

} // namespace ath::wasm
