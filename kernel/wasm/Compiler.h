#pragma once

// One function body: validation (the spec algorithm) and translation to internal code in one pass.
#include <kernel/wasm/ModuleData.h>
#include <kernel/wasm/Reader.h>

namespace ath::wasm {

class FunctionCompiler {
public:
    FunctionCompiler(ModuleData&, u32 function_index);
    ErrorOr compile();

private:
    enum class FrameKind : u8 { Function, Block, Loop, If };

    struct BlockType {
        Span<const ValueType> params {};
        Span<const ValueType> results {};
        ValueType single_result { ValueType::I32 };
        bool has_single_result { false };

        Span<const ValueType> parameters() const { return params; }
        Span<const ValueType> results_span() const
        {
            return has_single_result ? Span<const ValueType>(&single_result, 1) : results;
        }
    };

    struct ControlFrame {
        FrameKind kind;
        BlockType type;
        usize height;      // operand stack (types) height below the frame's values
        u32 base_slots;    // slot height at the same point
        bool unreachable;
        bool was_live;     // was code being emitted when the frame opened
        bool has_else;
        usize start;       // code index of the frame's start (loop target)
        i64 fixup_chain { -1 };
        i64 else_chain { -1 };
    };

    ErrorOr compile_instruction();
    ErrorOr compile_end();
    ErrorOr compile_br_table();
    ErrorOr compile_prefixed();
    ErrorOr compile_simd();

    ValueType local_type(u32 index) const;
    Result<BlockType> read_block_type();
    Span<const ValueType> label_types(const ControlFrame&) const;
    Result<ControlFrame*> label(u32 depth);
    ErrorOr read_memory_argument(u32 natural_alignment_log2, u64& offset);
    ErrorOr read_zero_byte();
    Result<u32> read_table_index();
    ErrorOr read_lane_index(u32 lane_count, u8& lane);
    ErrorOr check_data_index(usize at, u32 index);

    void push(ValueType);
    Result<ValueType> pop();
    Result<ValueType> pop(ValueType expected);
    ErrorOr pop_values(Span<const ValueType>);
    void push_values(Span<const ValueType>);
    static u32 slots_of(Span<const ValueType>);
    void mark_unreachable();
    ErrorOr push_frame(FrameKind, BlockType);

    void emit(Op);
    void emit_value(u64);
    Optional<Op> joinable_fused_operation() const;
    void rewrite_newest(Op);
    u8 emit_local_store(bool tee, bool wide, u64 slot);
    void emit_local_store_code(bool tee, bool wide, u64 slot);
    void emit_memory_access(Op plain, Op single, Op pair, Op local_stack, u64 offset);
    void emit_store(Op plain, Op fused, u64 offset);
    void emit_conditional_jump(bool jump_if_true);
    bool emit_loop_step(Op compare);
    void emit_binary(Op plain, Op locals, Op stack_local, Op stack_constant, Op local_constant, ValueType operand);
    void join_multiply_add();
    void note_local_write(u64 slot, bool wide);
    void set_top_origin(u8 kind, u64 slot);
    bool origin_removable(usize popped_index) const;
    u64 remove_origin(usize popped_index);
    void mark_branch_target(usize position)
    {
        if (position > m_barrier)
            m_barrier = position;
    }
    void emit_forward_target(ControlFrame&);
    void emit_backward_target(usize position);
    void emit_branch(ControlFrame& target, bool conditional);
    void resolve_chain(i64 chain, usize target);

    ModuleData& m_module;
    FunctionData& m_function;
    Vector<Instr>& m_code;
    Reader m_reader;
    Vector<ValueType> m_stack;
    // Where each operand stack entry came from, parallel to m_stack: a `local.get` (Get) or a tee
    // (a LocalTee1 or fused T form, Tee) at `position`, holding local `slot`; None otherwise. A
    // consumer may take such an entry straight from the local (deleting the local.get or turning
    // the tee into a set) when nothing between `position` and the consumer depends on absolute
    // stack heights (no branch, call or block start: m_fence) and the local was not written since.
    struct StackOrigin {
        u8 kind { 0 };
        Op op { Op::Count }; // the instruction at `position`
        usize position { 0 };
        u64 slot { 0 };
    };
    static constexpr u8 OriginNone = 0, OriginGet = 1, OriginTee = 2;
    Vector<StackOrigin> m_origins;
    StackOrigin m_popped[2] {};      // origins of the last two popped entries, newest first
    Vector<usize> m_last_write;      // per local slot: position of the newest instruction writing it
    usize m_fence { 0 };             // no origin before this position may be removed
    Vector<ControlFrame> m_control;
    Vector<u32> m_local_slots;
    u32 m_local_slot_total { 0 };
    u32 m_slots { 0 };
    u32 m_max_slots { 0 };
    bool m_live { true };
    usize m_instruction_offset { 0 };
    ErrorOr m_emit_error {};

    struct EmittedInstruction {
        Op op { Op::Count };
        usize position { 0 };
    };
    EmittedInstruction m_recent[2] {}; // the last two instructions emitted, newest first
    Optional<u32> address_add_form(const EmittedInstruction&, usize end) const;
    Optional<Op> shifted_operand_form(Op plain, const EmittedInstruction& last, usize end) const;
    usize m_barrier { 0 };             // no fusion may absorb code before this branch target
};

} // namespace ath::wasm
