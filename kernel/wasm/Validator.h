#pragma once

// Validation of one function body, the spec's algorithm: an operand stack of value types (with an
// "unknown" type for unreachable code) and a control stack of frames. The validator decodes every
// instruction (FunctionDecoder.h), checks it, updates both stacks, and then tells a CodeEmitter
// what to emit. It knows nothing of any backend's code: the interpreter's emitter
// (InterpreterEmitter.h) is one CodeEmitter, a native compiler would be another, with the same
// validator and operand model.
#include <kernel/wasm/ModuleData.h>
#include <kernel/wasm/Reader.h>

namespace ath::wasm {

// The type of an operand popped in unreachable code (the spec's "unknown").
constexpr ValueType UnknownType = static_cast<ValueType>(0);

enum class FrameKind : u8 { Function, Block, Loop, If };

struct BlockType {
    Span<const ValueType> params;
    Span<const ValueType> results;
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
    usize height;            // operand stack entries below the frame's values
    u32 base_slots;          // slot height at the same point
    bool unreachable;        // the rest of this frame's code is unreachable
    bool opened_reachable;   // the code was reachable where the frame opened
    bool has_else;

    // The values a branch to this frame carries: a loop's parameters, otherwise its results.
    Span<const ValueType> label_types() const { return kind == FrameKind::Loop ? type.parameters() : type.results_span(); }
};

u32 slots_of(Span<const ValueType>);

// What a backend knows about the producer of an operand: that it is a copy of local `slot` made by
// the backend's own instruction `code` at `position` in its output (`kind` is the backend's
// classification, 0 for "nothing known"). The operand stack carries it with the entry and hands
// back those of the two entries popped last; the validator never reads it.
struct OperandOrigin {
    u8 kind { 0 };
    u16 code { 0 };
    usize position { 0 };
    u64 slot { 0 };
};

// The operand stack: one value type per entry (UnknownType only from unreachable code), its height
// in 8-byte slots (a v128 takes two) and the greatest slot height seen, and each entry's origin.
class OperandStack {
public:
    explicit OperandStack(Allocator& allocator) : m_types(allocator), m_origins(allocator) { }

    usize size() const { return m_types.size(); }
    ValueType at(usize index) const { return m_types[index]; }
    u32 slots() const { return m_slots; }
    u32 max_slots() const { return m_max_slots; }
    // An allocation failure of push, kept until asked.
    ErrorOr error() const { return m_error; }
    bool failed() const { return m_error.is_error(); }

    void push(ValueType type)
    {
        if (m_types.size() < m_types.capacity() && m_origins.size() < m_origins.capacity()) [[likely]] {
            m_types.append_within_capacity(type);
            m_origins.append_within_capacity(OperandOrigin {});
        } else {
            push_growing(type);
        }
        if (type != UnknownType) {
            m_slots += slot_count(type);
            if (m_slots > m_max_slots)
                m_max_slots = m_slots;
        }
    }
    // Pops the top entry if the stack is above `height`; records its origin as the newest popped.
    Optional<ValueType> pop_above(usize height)
    {
        m_popped[1] = m_popped[0];
        m_popped[0] = OperandOrigin {};
        if (m_types.size() == height)
            return {};
        ValueType type = m_types.take_last();
        if (m_origins.size() > m_types.size())
            m_popped[0] = m_origins.take_last();
        if (type != UnknownType)
            m_slots -= slot_count(type);
        return type;
    }
    // Drops every entry above `height` and sets the slot height (a frame's base).
    void shrink_to(usize height, u32 slots);
    void set_slots(u32 slots) { m_slots = slots; }

    void set_top_origin(const OperandOrigin& origin)
    {
        if (!m_origins.is_empty())
            m_origins.last() = origin;
    }
    // The origins of the last two popped entries, 0 the newest (a backend may clear them).
    OperandOrigin& popped_origin(usize index) { return m_popped[index]; }
    const OperandOrigin& popped_origin(usize index) const { return m_popped[index]; }

private:
    [[gnu::noinline]] void push_growing(ValueType type)
    {
        m_error = m_error.is_error() ? m_error : m_types.append(type);
        m_error = m_error.is_error() ? m_error : m_origins.append(OperandOrigin {});
    }

    Vector<ValueType> m_types;
    Vector<OperandOrigin> m_origins; // parallel to m_types
    OperandOrigin m_popped[2] {};
    u32 m_slots { 0 };
    u32 m_max_slots { 0 };
    ErrorOr m_error;
};

class FunctionValidator;

// The depths of a br_table (already checked), default last: `count() + 1` of them.
class BranchTableDepths {
public:
    BranchTableDepths(ReadonlyBytes body, usize at, u32 count) : m_body(body), m_at(at), m_count(count) { }
    u32 count() const { return m_count; }
    // Calls `visit(depth)` for each, default last.
    template<typename Visit>
    void for_each(Visit visit) const
    {
        Reader reader(m_body, 0);
        (void)reader.read_bytes(m_at);
        for (u32 i = 0; i <= m_count; ++i)
            visit(reader.read_u32().release_value());
    }

private:
    ReadonlyBytes m_body;
    usize m_at;
    u32 m_count;
};

// What a backend implements to turn validated instructions into its code. Every call comes after
// the instruction passed validation and the operand stack holds its results (FunctionValidator's
// state is the state after the instruction); calls that unwind the stack (br, br_table, return,
// unreachable) come before the stack is reset. Only reachable instructions are reported, except
// the block structure (enter, enter_else, exit), which comes always so a backend can keep its own
// per-frame state beside the control stack. Instruction identities are the binary format's
// opcodes (for the prefixed ones, the sub-opcode); immediates are decoded and checked.
// FunctionDecoder<Emitter> calls it through the emitter's own (final) type, so no call is virtual:
// the interface states and checks what a backend must define, nothing dispatches through it.
class CodeEmitter {
public:
    // Before the first instruction; the validator's function frame is already on its stack.
    virtual ErrorOr begin(FunctionValidator&) = 0;
    // Allocation failures of the backend: whether there was one (asked after each instruction),
    // and which.
    virtual bool failed() const = 0;
    virtual ErrorOr error() const = 0;

    // Block structure. enter: a block/loop/if frame was pushed (an if's condition popped);
    // enter_else: the then-branch ended (the state is still the then-branch's); exit: the frame
    // was popped (for the function frame: the body is complete and reachable again).
    virtual void enter(const ControlFrame&) = 0;
    virtual void enter_else(const ControlFrame&) = 0;
    virtual void exit(const ControlFrame&) = 0;

    virtual void unreachable() = 0;
    virtual void branch(u32 depth, bool conditional) = 0;
    virtual void branch_table(const BranchTableDepths&) = 0;
    virtual void return_from_function() = 0;
    virtual void call(u32 function_index) = 0;
    virtual void call_indirect(u32 type_index, u32 table_index) = 0;
    virtual void drop(ValueType) = 0;
    virtual void select(ValueType) = 0;

    virtual void local_get(u32 local_index) = 0;
    virtual void local_set(u32 local_index, bool tee) = 0;
    virtual void global_get(u32 global_index, ValueType) = 0;
    virtual void global_set(u32 global_index, ValueType) = 0;
    virtual void table_get(u32 table_index) = 0;
    virtual void table_set(u32 table_index) = 0;

    virtual void load(u8 opcode, u64 offset) = 0;
    virtual void store(u8 opcode, u64 offset) = 0;
    virtual void memory_size() = 0;
    virtual void memory_grow() = 0;

    // i32/i64/f32/f64 constants as their bits (an i32 or f32 zero-extended).
    virtual void constant(u64 bits) = 0;
    virtual void unary(u8 opcode) = 0;
    virtual void binary(u8 opcode, ValueType operand) = 0;
    virtual void truncate_saturating(u32 sub_opcode) = 0;

    virtual void ref_null(ValueType) = 0;
    virtual void ref_is_null() = 0;
    virtual void ref_func(u32 function_index) = 0;

    virtual void memory_init(u32 data_index) = 0;
    virtual void data_drop(u32 data_index) = 0;
    virtual void memory_copy() = 0;
    virtual void memory_fill() = 0;
    virtual void table_init(u32 table_index, u32 element_index) = 0;
    virtual void elem_drop(u32 element_index) = 0;
    virtual void table_copy(u32 destination_table, u32 source_table) = 0;
    virtual void table_grow(u32 table_index) = 0;
    virtual void table_size(u32 table_index) = 0;
    virtual void table_fill(u32 table_index) = 0;

    // SIMD (0xFD prefix): operations without immediates (lane-wise arithmetic, shifts, tests,
    // splats, bitselect), lane access, memory (lane: Optional for the lane forms), constants and
    // shuffles (16 lane indices).
    virtual void vector_operation(u32 sub_opcode) = 0;
    virtual void vector_lane(u32 sub_opcode, u8 lane) = 0;
    virtual void vector_memory(u32 sub_opcode, u64 offset, Optional<u8> lane) = 0;
    virtual void vector_constant(u64 low, u64 high) = 0;
    virtual void vector_shuffle(const u8 (&lanes)[16]) = 0;

protected:
    ~CodeEmitter() = default;
};

// The state and checks of validating one function body, the spec's algorithm: what a backend sees
// (module, function, local types, the operand stack, the control frames, reachability) and the
// checks every instruction shares. The decoding loop that reads the body and drives a backend is
// FunctionDecoder<Emitter> (FunctionDecoder.h), a template so its calls into the emitter are direct.
class FunctionValidator {
public:
    const ModuleData& module() const { return m_module; }
    const FunctionData& function() const { return m_function; }
    ValueType local_type(u32 index) const { return m_module.type_pool[m_function.local_types_offset + index]; }
    OperandStack& operands() { return m_operands; }
    const OperandStack& operands() const { return m_operands; }
    // The frame `depth` labels out from the innermost (0), already checked by the validator.
    const ControlFrame& frame(u32 depth) const { return m_control[m_control.size() - 1 - depth]; }
    usize frame_count() const { return m_control.size(); }
    // Whether the current instruction is reachable (no enclosing frame is unreachable).
    bool reachable() const { return m_reachable; }

protected:
    FunctionValidator(ModuleData&, u32 function_index);
    ~FunctionValidator() = default;

    static Error invalid(u64 offset, const char* reason) { return Error::at(ErrorCode::Invalid, offset, reason); }
    static constexpr bool is_numeric_or_vector(ValueType type)
    {
        return type == ValueType::I32 || type == ValueType::I64 || type == ValueType::F32 || type == ValueType::F64
            || type == ValueType::V128;
    }
    // The value types a value-type byte (block types, typed select, ref.null's heap type aside) names.
    static constexpr bool is_value_type_byte(u8 byte)
    {
        return byte == 0x7F || byte == 0x7E || byte == 0x7D || byte == 0x7C || byte == 0x7B || byte == 0x70 || byte == 0x6F;
    }
    static constexpr ValueType one_v128[] = { ValueType::V128 };
    static constexpr ValueType two_v128[] = { ValueType::V128, ValueType::V128 };
    static constexpr ValueType three_v128[] = { ValueType::V128, ValueType::V128, ValueType::V128 };
    static constexpr ValueType v128_and_i32[] = { ValueType::V128, ValueType::I32 };

    // The function's own frame, before the first instruction.
    ErrorOr open_function_frame();
    // block/loop/if (an if's condition already popped): pops the parameters, pushes the frame.
    ErrorOr open_frame(FrameKind, BlockType);
    // else: checks the then-branch's results (check_else), then resets the stack for the
    // else-branch (begin_else); the backend is told in between, in the then-branch's state.
    ErrorOr check_else();
    void begin_else();
    // end: checks the frame's results and pops it (the results are not pushed yet: the caller
    // does that after telling the backend, except for the function frame).
    Result<ControlFrame> close_frame();
    // br_table: reads and checks every depth and the operands; the stack is left as after the
    // branch (the caller reports it, then marks the rest unreachable).
    Result<BranchTableDepths> check_branch_table();

    Result<BlockType> read_block_type();
    Result<const ControlFrame*> label(u32 depth);
    ErrorOr read_memory_argument(u32 natural_alignment_log2, u64& offset);
    ErrorOr read_zero_byte();
    ErrorOr require_memory(usize at) const;
    // An index below `count`; otherwise Invalid with the reason `unknown` at the index.
    Result<u32> read_index(usize count, const char* unknown);
    Result<u32> read_table_index();
    ErrorOr read_lane_index(u32 lane_count, u8& lane);
    ErrorOr check_data_index(usize at, u32 index);

    Result<ValueType> pop()
    {
        auto& frame = m_control.last();
        auto type = m_operands.pop_above(frame.height);
        if (type.has_value())
            return type.value();
        if (frame.unreachable)
            return UnknownType;
        return invalid(m_instruction_offset, "type mismatch");
    }
    Result<ValueType> pop(ValueType expected)
    {
        ValueType actual = TRY(pop());
        if (actual != expected && actual != UnknownType && expected != UnknownType)
            return invalid(m_instruction_offset, "type mismatch");
        return actual == UnknownType ? expected : actual;
    }
    ErrorOr pop_values(Span<const ValueType>);
    ErrorOr pop_i32s(u32 count);
    void push_values(Span<const ValueType>);
    ErrorOr pop_then_push(Span<const ValueType> operands, Span<const ValueType> results);
    void mark_unreachable();

    ModuleData& m_module;
    FunctionData& m_function;
    Reader m_reader;
    OperandStack m_operands;
    Vector<ControlFrame> m_control;
    bool m_reachable { true };
    usize m_instruction_offset { 0 };
};

} // namespace ath::wasm
