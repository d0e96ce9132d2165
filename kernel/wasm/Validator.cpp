// Validation of one function body (Validator.h): the operand stack and the checks every instruction
// shares. The decoding loop that drives a backend is the template in FunctionDecoder.h.
#include <kernel/wasm/Validator.h>

namespace ath::wasm {


u32 slots_of(Span<const ValueType> types)
{
    u32 total = 0;
    for (auto type : types)
        total += slot_count(type);
    return total;
}

void OperandStack::shrink_to(usize height, u32 slots)
{
    m_types.shrink(height);
    if (m_origins.size() > height)
        m_origins.shrink(height);
    m_slots = slots;
}

FunctionValidator::FunctionValidator(ModuleData& module, u32 function_index)
    : m_module(module)
    , m_function(module.functions[function_index])
    , m_reader(ReadonlyBytes(module.bytes + m_function.body_offset, m_function.body_size), m_function.body_offset)
    , m_operands(*module.allocator)
    , m_control(*module.allocator)
{
}

ErrorOr FunctionValidator::open_function_frame()
{
    ControlFrame body {};
    body.kind = FrameKind::Function;
    body.type.results = m_module.function_type(m_function.type_index).results;
    body.opened_reachable = true;
    return m_control.append(body);
}

ErrorOr FunctionValidator::pop_values(Span<const ValueType> types)
{
    for (usize i = types.size(); i > 0; --i)
        TRY(pop(types[i - 1]));
    return {};
}

ErrorOr FunctionValidator::pop_i32s(u32 count)
{
    for (u32 i = 0; i < count; ++i)
        TRY(pop(ValueType::I32));
    return {};
}

void FunctionValidator::push_values(Span<const ValueType> types)
{
    for (auto type : types)
        m_operands.push(type);
}

// An instruction's operands and results (or a branch's label types, checked then kept).
ErrorOr FunctionValidator::pop_then_push(Span<const ValueType> operands, Span<const ValueType> results)
{
    TRY(pop_values(operands));
    push_values(results);
    return {};
}

void FunctionValidator::mark_unreachable()
{
    auto& frame = m_control.last();
    m_operands.shrink_to(frame.height, frame.base_slots);
    frame.unreachable = true;
    m_reachable = false;
}

ErrorOr FunctionValidator::open_frame(FrameKind kind, BlockType type)
{
    ControlFrame frame {};
    frame.kind = kind;
    frame.type = type;
    TRY(pop_values(type.parameters()));
    frame.height = m_operands.size();
    frame.base_slots = m_operands.slots();
    frame.unreachable = false;
    frame.opened_reachable = m_reachable;
    TRY(m_control.append(frame));
    push_values(type.parameters());
    return {};
}

ErrorOr FunctionValidator::check_else()
{
    auto& frame = m_control.last();
    if (frame.kind != FrameKind::If || frame.has_else)
        return invalid(m_instruction_offset, "else without if");
    TRY(pop_values(frame.type.results_span()));
    if (m_operands.size() != frame.height)
        return invalid(m_instruction_offset, "type mismatch");
    return {};
}

void FunctionValidator::begin_else()
{
    auto& frame = m_control.last();
    frame.has_else = true;
    frame.unreachable = false;
    m_reachable = frame.opened_reachable;
    m_operands.set_slots(frame.base_slots);
    push_values(frame.type.parameters());
}

Result<BlockType> FunctionValidator::read_block_type()
{
    usize at = m_reader.offset();
    u8 first = TRY(m_reader.peek_u8());
    BlockType type {};
    if (first == 0x40) {
        (void)TRY(m_reader.read_u8());
        return type;
    }
    if (is_value_type_byte(first)) {
        (void)TRY(m_reader.read_u8());
        type.single_result = static_cast<ValueType>(first);
        type.has_single_result = true;
        return type;
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

Result<const ControlFrame*> FunctionValidator::label(u32 depth)
{
    if (depth >= m_control.size())
        return invalid(m_instruction_offset, "unknown label");
    return &m_control[m_control.size() - 1 - depth];
}

ErrorOr FunctionValidator::require_memory(usize at) const
{
    if (m_module.memories.size() == 0)
        return invalid(at, "unknown memory 0");
    return {};
}

ErrorOr FunctionValidator::read_memory_argument(u32 natural_alignment_log2, u64& offset)
{
    usize at = m_reader.offset();
    u32 alignment = TRY(m_reader.read_u32());
    offset = TRY(m_reader.read_u32());
    TRY(require_memory(at));
    if (alignment > natural_alignment_log2)
        return invalid(at, "alignment must not be larger than natural");
    return {};
}

ErrorOr FunctionValidator::read_zero_byte()
{
    usize at = m_reader.offset();
    u8 byte = TRY(m_reader.read_u8());
    if (byte != 0)
        return Error::at(ErrorCode::Malformed, at, "zero byte expected");
    return {};
}

Result<u32> FunctionValidator::read_index(usize count, const char* unknown)
{
    usize at = m_reader.offset();
    u32 index = TRY(m_reader.read_u32());
    if (index >= count)
        return invalid(at, unknown);
    return index;
}

Result<u32> FunctionValidator::read_table_index() { return read_index(m_module.tables.size(), "unknown table"); }

ErrorOr FunctionValidator::read_lane_index(u32 lane_count, u8& lane)
{
    usize at = m_reader.offset();
    lane = TRY(m_reader.read_u8());
    if (lane >= lane_count)
        return invalid(at, "invalid lane index");
    return {};
}

// memory.init and data.drop need the data count section when the module has data segments; a
// module without any data segment gets the plain "unknown data segment".
ErrorOr FunctionValidator::check_data_index(usize at, u32 index)
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

Result<ControlFrame> FunctionValidator::close_frame()
{
    ControlFrame frame = m_control.last();
    TRY(pop_values(frame.type.results_span()));
    if (m_operands.size() != frame.height)
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
    m_operands.set_slots(frame.base_slots);
    m_reachable = frame.opened_reachable;
    return frame;
}

Result<BranchTableDepths> FunctionValidator::check_branch_table()
{
    u32 count = TRY(m_reader.read_vector_length());
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
    usize arity = default_target->label_types().size();
    Reader again(m_reader.bytes(), 0);
    (void)TRY(again.read_bytes(depths_at));
    for (u32 i = 0; i < count; ++i) {
        u32 depth = TRY(again.read_u32());
        auto* target = TRY(label(depth));
        auto types = target->label_types();
        if (types.size() != arity)
            return invalid(m_instruction_offset, "type mismatch");
        // Check without consuming: compare against the stack in place.
        auto& frame = m_control.last();
        usize available = m_operands.size() - frame.height;
        for (usize k = 0; k < types.size(); ++k) {
            usize from_top = types.size() - k;
            if (from_top > available) {
                if (!frame.unreachable)
                    return invalid(m_instruction_offset, "type mismatch");
                continue;
            }
            ValueType actual = m_operands.at(m_operands.size() - from_top);
            if (actual != UnknownType && actual != types[k])
                return invalid(m_instruction_offset, "type mismatch");
        }
    }
    TRY(pop_then_push(default_target->label_types(), default_target->label_types()));
    return BranchTableDepths(m_reader.bytes(), depths_at, count);
}

} // namespace ath::wasm
