#pragma once

// The interpreter's code for one function as it is appended, with the peephole that fuses common
// instruction sequences into single instructions (Code.h lists the fused forms; README.md, "Internal
// code", describes the rules). InterpreterEmitter decides what to append; this class decides how
// the newest instructions combine. It reads the validator's reachability and the operand origins
// (which local.get or tee produced an operand) and nothing else of it.
#include <kernel/wasm/Code.h>
#include <kernel/wasm/Validator.h>

namespace ath::wasm {

class FusingCodeWriter {
public:
    FusingCodeWriter(Vector<Instr>& code, Allocator& allocator) : m_code(code), m_last_write(allocator) { }

    // Before the first instruction of a function whose locals take `local_slots` slots.
    ErrorOr begin(FunctionValidator&, u32 local_slots);
    ErrorOr error() const { return m_error; }
    bool failed() const { return m_error.is_error(); }

    usize size() const { return m_code.size(); }
    Instr& at(usize index) { return m_code[index]; }

    // Plain appends (nothing fused into them; a branch, call or return fences earlier operands).
    void emit(Op);
    void emit_value(u64);
    // A word holding `position - here` (a backward branch target).
    void emit_offset_to(usize position);
    // Nothing before `position` may be fused away (a branch lands there).
    void mark_branch_target(usize position)
    {
        if (position > m_barrier)
            m_barrier = position;
    }
    // No operand pushed before this point may be read from its local instead (a block starts).
    void fence() { m_fence = m_code.size(); }

    // The fusing appends: an instruction whose operands the newest instructions may supply.
    void local_get(u64 slot, bool wide);
    void local_store(bool tee, bool wide, u64 slot);
    void binary(Op plain, ValueType operand);
    void load(Op plain, Op from_local, u64 offset);
    void store(Op plain, Op first_fused, u64 offset);
    // br_if (true) or the conditional jump of an `if` (false); the target word(s) follow.
    void conditional_jump(bool jump_if_true);

private:
    struct EmittedInstruction {
        Op op { Op::Count };
        usize position { 0 };
    };
    static constexpr u8 OriginNone = 0, OriginGet = 1, OriginTee = 2;

    bool live() const { return m_validator->reachable(); }
    // `instruction` is `op` (`words` long), ends at `end` and starts after the last branch target.
    bool absorbable(const EmittedInstruction& instruction, Op op, usize words, usize end) const;
    void rewrite_newest(Op);
    Optional<Op> joinable_fused_operation() const;
    Optional<u32> address_add_form(const EmittedInstruction&, usize end) const;
    Optional<Op> shifted_operand_form(Op plain, const EmittedInstruction& last, usize end) const;
    u8 emit_local_store(bool tee, bool wide, u64 slot);
    void emit_local_store_code(bool tee, bool wide, u64 slot);
    bool emit_loop_step(Op compare);
    void join_multiply_add();
    void note_local_write(u64 slot, bool wide);
    void set_top_origin(u8 kind, u64 slot);
    bool origin_removable(usize popped_index) const;
    u64 remove_origin(usize popped_index);

    Vector<Instr>& m_code;
    const FunctionValidator* m_validator { nullptr };
    OperandStack* m_operands { nullptr };
    ErrorOr m_error;
    EmittedInstruction m_recent[2] {}; // the last two instructions emitted, newest first
    usize m_barrier { 0 };             // no fusion may absorb code before this branch target
    // Operand origins (Validator.h, OperandOrigin; kind OriginGet or OriginTee, code the Op at
    // `position`): a consumer may take such an operand straight from the local (deleting the
    // local.get or turning the tee into a set) when nothing between `position` and the consumer
    // depends on absolute stack heights (no branch, call or block start: m_fence) and the local
    // was not written since (m_last_write).
    Vector<usize> m_last_write;      // per local slot: position of the newest instruction writing it
    usize m_fence { 0 };             // no origin before this position may be removed
};

} // namespace ath::wasm
