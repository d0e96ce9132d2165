#pragma once

// The interpreter's backend: a CodeEmitter (Validator.h) that turns each validated instruction of a
// function into internal code (Code.h), with every stack slot height resolved and branch targets
// patched, through the FusingCodeWriter (Fusion.h) that fuses common sequences.
#include <kernel/wasm/Fusion.h>
#include <kernel/wasm/Validator.h>

namespace ath::wasm {

// The interpreter's operation for a numeric instruction (opcodes 0x45..0xC4; Op::Count for others)
// and for a saturating truncation (0xFC sub-opcodes 0..7): the compiled tier runs the instructions
// it does not emit itself through these handlers (NativeTier.h).
Op interpreter_op_of_numeric(u8 opcode);
Op interpreter_op_of_saturating(u32 sub_opcode);

class InterpreterEmitter final : public CodeEmitter {
public:
    InterpreterEmitter(ModuleData&, u32 function_index);

    ErrorOr begin(FunctionValidator&) override;
    bool failed() const override { return m_error.is_error() || m_code.failed(); }
    ErrorOr error() const override;

    void enter(const ControlFrame&) override;
    void enter_else(const ControlFrame&) override;
    void exit(const ControlFrame&) override;

    void unreachable() override;
    void branch(u32 depth, bool conditional) override;
    void branch_table(const BranchTableDepths&) override;
    void return_from_function() override;
    void call(u32 function_index) override;
    void call_indirect(u32 type_index, u32 table_index) override;
    void drop(ValueType) override;
    void select(ValueType) override;

    void local_get(u32 local_index) override;
    void local_set(u32 local_index, bool tee) override;
    void global_get(u32 global_index, ValueType) override;
    void global_set(u32 global_index, ValueType) override;
    void table_get(u32 table_index) override;
    void table_set(u32 table_index) override;

    void load(u8 opcode, u64 offset) override;
    void store(u8 opcode, u64 offset) override;
    void memory_size() override;
    void memory_grow() override;

    void constant(u64 bits) override;
    void unary(u8 opcode) override;
    void binary(u8 opcode, ValueType operand) override;
    void truncate_saturating(u32 sub_opcode) override;

    void ref_null(ValueType) override;
    void ref_is_null() override;
    void ref_func(u32 function_index) override;

    void memory_init(u32 data_index) override;
    void data_drop(u32 data_index) override;
    void memory_copy() override;
    void memory_fill() override;
    void table_init(u32 table_index, u32 element_index) override;
    void elem_drop(u32 element_index) override;
    void table_copy(u32 destination_table, u32 source_table) override;
    void table_grow(u32 table_index) override;
    void table_size(u32 table_index) override;
    void table_fill(u32 table_index) override;

    void vector_operation(u32 sub_opcode) override;
    void vector_lane(u32 sub_opcode, u8 lane) override;
    void vector_memory(u32 sub_opcode, u64 offset, Optional<u8> lane) override;
    void vector_constant(u64 low, u64 high) override;
    void vector_shuffle(const u8 (&lanes)[16]) override;

private:
    // Per control frame, beside the validator's: where a loop's back-edges land and the chains of
    // unresolved forward targets (each target word holds the index of the previous one, -1 ends).
    struct Label {
        usize start { 0 };
        i64 fixup_chain { -1 };
        i64 else_chain { -1 };
    };

    Label& label(u32 depth) { return m_labels[m_labels.size() - 1 - depth]; }
    void emit_with(Op, u64 immediate);
    void emit_target(u32 depth);
    void emit_forward_target(Label&);
    void resolve_chain(i64 chain, usize target);
    u64 destination_height(const ControlFrame& frame) const { return m_local_slot_total + frame.base_slots; }

    ModuleData& m_module;
    FunctionData& m_function;
    FunctionValidator* m_validator { nullptr };
    FusingCodeWriter m_code;
    Vector<Label> m_labels;
    Vector<u32> m_local_slots; // per local: its first slot (parameters first)
    u32 m_local_slot_total { 0 };
    ErrorOr m_error;
};

} // namespace ath::wasm
