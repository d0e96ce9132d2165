// Validation of one function body (Validator.h): decode, type-check against the operand and control
// stacks, then report the instruction to the CodeEmitter.
#include <kernel/wasm/Validator.h>

namespace ath::wasm {

namespace {

Error invalid(u64 offset, const char* reason) { return Error::at(ErrorCode::Invalid, offset, reason); }

bool is_numeric_or_vector(ValueType type)
{
    return type == ValueType::I32 || type == ValueType::I64 || type == ValueType::F32 || type == ValueType::F64 || type == ValueType::V128;
}

// The value types a value-type byte (block types, typed select, ref.null's heap type aside) names.
bool is_value_type_byte(u8 byte)
{
    switch (byte) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
        return true;
    default:
        return false;
    }
}

constexpr ValueType one_v128[] = { ValueType::V128 };
constexpr ValueType two_v128[] = { ValueType::V128, ValueType::V128 };
constexpr ValueType three_v128[] = { ValueType::V128, ValueType::V128, ValueType::V128 };
constexpr ValueType v128_and_i32[] = { ValueType::V128, ValueType::I32 };

} // namespace

// Reports an instruction to the emitter, which sees reachable code only.
#define EMIT(...)                          \
    do {                                   \
        if (m_reachable)                   \
            m_emitter.__VA_ARGS__;         \
    } while (0)

u32 slots_of(Span<const ValueType> types)
{
    u32 total = 0;
    for (auto type : types)
        total += slot_count(type);
    return total;
}

void OperandStack::push(ValueType type)
{
    m_error = m_error.is_error() ? m_error : m_types.append(type);
    m_error = m_error.is_error() ? m_error : m_origins.append(OperandOrigin {});
    if (type != UnknownType) {
        m_slots += slot_count(type);
        if (m_slots > m_max_slots)
            m_max_slots = m_slots;
    }
}

Optional<ValueType> OperandStack::pop_above(usize height)
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

void OperandStack::shrink_to(usize height, u32 slots)
{
    m_types.shrink(height);
    if (m_origins.size() > height)
        m_origins.shrink(height);
    m_slots = slots;
}

FunctionValidator::FunctionValidator(ModuleData& module, u32 function_index, CodeEmitter& emitter)
    : m_module(module)
    , m_function(module.functions[function_index])
    , m_emitter(emitter)
    , m_reader(ReadonlyBytes(module.bytes + m_function.body_offset, m_function.body_size), m_function.body_offset)
    , m_operands(*module.allocator)
    , m_control(*module.allocator)
{
}

ErrorOr FunctionValidator::validate()
{
    ControlFrame body {};
    body.kind = FrameKind::Function;
    body.type.results = m_module.function_type(m_function.type_index).results;
    body.opened_reachable = true;
    TRY(m_control.append(body));
    TRY(m_emitter.begin(*this));

    while (!m_control.is_empty()) {
        if (m_reader.at_end())
            return m_reader.malformed("END opcode expected");
        TRY(instruction());
        TRY(m_operands.error());
        TRY(m_emitter.error());
    }
    if (!m_reader.at_end())
        return m_reader.malformed("section size mismatch");
    return {};
}

Result<ValueType> FunctionValidator::pop()
{
    auto& frame = m_control.last();
    auto type = m_operands.pop_above(frame.height);
    if (type.has_value())
        return type.value();
    if (frame.unreachable)
        return UnknownType;
    return invalid(m_instruction_offset, "type mismatch");
}

Result<ValueType> FunctionValidator::pop(ValueType expected)
{
    ValueType actual = TRY(pop());
    if (actual != expected && actual != UnknownType && expected != UnknownType)
        return invalid(m_instruction_offset, "type mismatch");
    return actual == UnknownType ? expected : actual;
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

ErrorOr FunctionValidator::push_frame(FrameKind kind, BlockType type)
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
    m_emitter.enter(m_control.last());
    return {};
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

ErrorOr FunctionValidator::require_memory(usize at)
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

ErrorOr FunctionValidator::end()
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
    m_emitter.exit(frame);
    if (frame.kind != FrameKind::Function)
        push_values(frame.type.results_span());
    return {};
}

ErrorOr FunctionValidator::instruction()
{
    m_instruction_offset = m_reader.offset();
    u8 opcode = TRY(m_reader.read_u8());
    switch (opcode) {
    case 0x00:
        EMIT(unreachable());
        mark_unreachable();
        return {};
    case 0x01:
        return {};
    case 0x02:
    case 0x03: {
        auto type = TRY(read_block_type());
        return push_frame(opcode == 0x02 ? FrameKind::Block : FrameKind::Loop, type);
    }
    case 0x04: {
        auto type = TRY(read_block_type());
        TRY(pop(ValueType::I32));
        return push_frame(FrameKind::If, type);
    }
    case 0x05: {
        auto& frame = m_control.last();
        if (frame.kind != FrameKind::If || frame.has_else)
            return invalid(m_instruction_offset, "else without if");
        TRY(pop_values(frame.type.results_span()));
        if (m_operands.size() != frame.height)
            return invalid(m_instruction_offset, "type mismatch");
        m_emitter.enter_else(frame);
        frame.has_else = true;
        frame.unreachable = false;
        m_reachable = frame.opened_reachable;
        m_operands.set_slots(frame.base_slots);
        push_values(frame.type.parameters());
        return {};
    }
    case 0x0B:
        return end();
    case 0x0C:
    case 0x0D: {
        bool conditional = opcode == 0x0D;
        u32 depth = TRY(m_reader.read_u32());
        auto* target = TRY(label(depth));
        if (conditional)
            TRY(pop(ValueType::I32));
        TRY(pop_then_push(target->label_types(), target->label_types()));
        EMIT(branch(depth, conditional));
        if (!conditional)
            mark_unreachable();
        return {};
    }
    case 0x0E:
        return branch_table();
    case 0x0F: {
        auto results = m_control[0].type.results_span();
        TRY(pop_then_push(results, results));
        EMIT(return_from_function());
        mark_unreachable();
        return {};
    }
    case 0x10: {
        u32 index = TRY(read_index(m_module.functions.size(), "unknown function"));
        auto type = m_module.function_type_of(index);
        TRY(pop_then_push(type.parameters, type.results));
        EMIT(call(index));
        return {};
    }
    case 0x11: {
        usize at = m_reader.offset();
        u32 type_index = TRY(read_index(m_module.types.size(), "unknown type"));
        u32 table_index = TRY(read_table_index());
        if (m_module.tables[table_index].element != ValueType::FuncRef)
            return invalid(at, "type mismatch");
        TRY(pop(ValueType::I32));
        auto type = m_module.function_type(type_index);
        TRY(pop_then_push(type.parameters, type.results));
        EMIT(call_indirect(type_index, table_index));
        return {};
    }
    case 0x1A: {
        ValueType type = TRY(pop());
        if (type != UnknownType)
            EMIT(drop(type));
        return {};
    }
    case 0x1B:
    case 0x1C: {
        ValueType declared = UnknownType;
        if (opcode == 0x1C) {
            u32 count = TRY(m_reader.read_u32());
            if (count != 1)
                return invalid(m_instruction_offset, "invalid result arity");
            u8 byte = TRY(m_reader.read_u8());
            if (!is_value_type_byte(byte))
                return Error::at(ErrorCode::Malformed, m_reader.offset() - 1, "malformed value type");
            declared = static_cast<ValueType>(byte);
        }
        TRY(pop(ValueType::I32));
        ValueType second = TRY(pop(declared));
        ValueType first = TRY(pop(declared));
        ValueType result;
        if (declared != UnknownType) {
            result = declared;
        } else {
            if ((first != UnknownType && !is_numeric_or_vector(first)) || (second != UnknownType && !is_numeric_or_vector(second)))
                return invalid(m_instruction_offset, "type mismatch");
            if (first != UnknownType && second != UnknownType && first != second)
                return invalid(m_instruction_offset, "type mismatch");
            result = first != UnknownType ? first : second;
        }
        m_operands.push(result);
        if (result != UnknownType)
            EMIT(select(result));
        return {};
    }
    case 0x20:
    case 0x21:
    case 0x22: {
        u32 index = TRY(read_index(m_function.local_count, "unknown local"));
        ValueType type = local_type(index);
        if (opcode == 0x20) {
            m_operands.push(type);
            EMIT(local_get(index));
        } else {
            TRY(pop(type));
            if (opcode == 0x22)
                m_operands.push(type);
            EMIT(local_set(index, opcode == 0x22));
        }
        return {};
    }
    case 0x23:
    case 0x24: {
        usize at = m_reader.offset();
        u32 index = TRY(read_index(m_module.globals.size(), "unknown global"));
        auto global = m_module.globals[index].type;
        if (opcode == 0x23) {
            m_operands.push(global.type);
            EMIT(global_get(index, global.type));
        } else {
            if (!global.is_mutable)
                return invalid(at, "global is immutable");
            TRY(pop(global.type));
            EMIT(global_set(index, global.type));
        }
        return {};
    }
    case 0x25:
    case 0x26: {
        u32 table = TRY(read_table_index());
        ValueType element = m_module.tables[table].element;
        if (opcode == 0x25) {
            TRY(pop(ValueType::I32));
            m_operands.push(element);
            EMIT(table_get(table));
        } else {
            TRY(pop(element));
            TRY(pop(ValueType::I32));
            EMIT(table_set(table));
        }
        return {};
    }
#define ATH_LOAD_CASE(code, Name, Type, Memory, Value, align) \
    case code:                                              \
        return memory_access(code, align, ValueType::Type, false);
#define ATH_STORE_CASE(code, Name, Type, Memory, align) \
    case code:                                        \
        return memory_access(code, align, ValueType::Type, true);
        ATH_WASM_LOAD_OPS(ATH_LOAD_CASE)
        ATH_WASM_STORE_OPS(ATH_STORE_CASE)
#undef ATH_LOAD_CASE
#undef ATH_STORE_CASE
    case 0x3F:
    case 0x40: {
        TRY(read_zero_byte());
        TRY(require_memory(m_instruction_offset));
        if (opcode == 0x40)
            TRY(pop(ValueType::I32));
        m_operands.push(ValueType::I32);
        if (opcode == 0x3F)
            EMIT(memory_size());
        else
            EMIT(memory_grow());
        return {};
    }
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44: {
        constexpr ValueType types[] = { ValueType::I32, ValueType::I64, ValueType::F32, ValueType::F64 };
        u64 bits = opcode == 0x41 ? static_cast<u32>(TRY(m_reader.read_i32()))
            : opcode == 0x42      ? static_cast<u64>(TRY(m_reader.read_i64()))
            : opcode == 0x43      ? TRY(m_reader.read_fixed_u32())
                                  : TRY(m_reader.read_fixed_u64());
        m_operands.push(types[opcode - 0x41]);
        EMIT(constant(bits));
        return {};
    }
#define ATH_UNARY_CASE(code, Name, Result, Operand, ...) \
    case code:                                           \
        return numeric(code, ValueType::Operand, ValueType::Result, false);
#define ATH_BINARY_CASE(code, Name, Result, Operand, ...) \
    case code:                                            \
        return numeric(code, ValueType::Operand, ValueType::Result, true);
        ATH_WASM_UNARY_OPS(ATH_UNARY_CASE)
        ATH_WASM_COMPARE_OPS(ATH_BINARY_CASE)
        ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_BINARY_CASE)
#undef ATH_UNARY_CASE
#undef ATH_BINARY_CASE
    case 0xD0: {
        u8 byte = TRY(m_reader.read_u8());
        if (byte != 0x70 && byte != 0x6F)
            return Error::at(ErrorCode::Malformed, m_reader.offset() - 1, "malformed reference type");
        m_operands.push(static_cast<ValueType>(byte));
        EMIT(ref_null(static_cast<ValueType>(byte)));
        return {};
    }
    case 0xD1: {
        ValueType type = TRY(pop());
        if (type != UnknownType && !is_reference_type(type))
            return invalid(m_instruction_offset, "type mismatch");
        m_operands.push(ValueType::I32);
        EMIT(ref_is_null());
        return {};
    }
    case 0xD2: {
        usize at = m_reader.offset();
        u32 index = TRY(read_index(m_module.functions.size(), "unknown function"));
        if (!m_module.declared_function_references[index])
            return invalid(at, "undeclared function reference");
        m_operands.push(ValueType::FuncRef);
        EMIT(ref_func(index));
        return {};
    }
    case 0xFC:
        return prefixed();
    case 0xFD:
        return simd();
    default:
        return Error::at(ErrorCode::Malformed, m_instruction_offset, "illegal opcode");
    }
}

ErrorOr FunctionValidator::memory_access(u8 opcode, u32 natural_alignment_log2, ValueType type, bool is_store)
{
    u64 offset;
    TRY(read_memory_argument(natural_alignment_log2, offset));
    if (is_store) {
        TRY(pop(type));
        TRY(pop(ValueType::I32));
        EMIT(store(opcode, offset));
    } else {
        TRY(pop(ValueType::I32));
        m_operands.push(type);
        EMIT(load(opcode, offset));
    }
    return {};
}

// A unary or binary numeric instruction (both operands of a binary one have the operand type).
ErrorOr FunctionValidator::numeric(u8 opcode, ValueType operand, ValueType result, bool is_binary)
{
    TRY(pop(operand));
    if (is_binary)
        TRY(pop(operand));
    m_operands.push(result);
    if (is_binary)
        EMIT(binary(opcode, operand));
    else
        EMIT(unary(opcode));
    return {};
}

ErrorOr FunctionValidator::branch_table()
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
    EMIT(branch_table(BranchTableDepths(m_reader.bytes(), depths_at, count)));
    mark_unreachable();
    return {};
}

ErrorOr FunctionValidator::prefixed()
{
    usize at = m_reader.offset();
    u32 sub = TRY(m_reader.read_u32());
    switch (sub) {
#define ATH_SATURATING_CASE(code, Name, Result, Operand, ...) \
    case code:                                                \
        TRY(pop(ValueType::Operand));                         \
        m_operands.push(ValueType::Result);                   \
        EMIT(truncate_saturating(code));                      \
        return {};
        ATH_WASM_SATURATING_OPS(ATH_SATURATING_CASE)
#undef ATH_SATURATING_CASE
    case 8: { // memory.init
        usize index_at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        TRY(read_zero_byte());
        TRY(require_memory(at));
        TRY(check_data_index(index_at, index));
        TRY(pop_i32s(3));
        EMIT(memory_init(index));
        return {};
    }
    case 9: { // data.drop
        usize index_at = m_reader.offset();
        u32 index = TRY(m_reader.read_u32());
        TRY(check_data_index(index_at, index));
        EMIT(data_drop(index));
        return {};
    }
    case 10: // memory.copy
    case 11: // memory.fill
        TRY(read_zero_byte());
        if (sub == 10)
            TRY(read_zero_byte());
        TRY(require_memory(at));
        TRY(pop_i32s(3));
        if (sub == 10)
            EMIT(memory_copy());
        else
            EMIT(memory_fill());
        return {};
    case 12: { // table.init
        usize index_at = m_reader.offset();
        u32 element = TRY(m_reader.read_u32());
        u32 table = TRY(read_table_index());
        if (element >= m_module.elements.size())
            return invalid(index_at, "unknown elem segment");
        if (m_module.elements[element].type != m_module.tables[table].element)
            return invalid(index_at, "type mismatch");
        TRY(pop_i32s(3));
        EMIT(table_init(table, element));
        return {};
    }
    case 13: { // elem.drop
        u32 element = TRY(read_index(m_module.elements.size(), "unknown elem segment"));
        EMIT(elem_drop(element));
        return {};
    }
    case 14: { // table.copy
        u32 destination = TRY(read_table_index());
        u32 source = TRY(read_table_index());
        if (m_module.tables[destination].element != m_module.tables[source].element)
            return invalid(at, "type mismatch");
        TRY(pop_i32s(3));
        EMIT(table_copy(destination, source));
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
            m_operands.push(ValueType::I32);
            EMIT(table_grow(table));
        } else if (sub == 16) {
            m_operands.push(ValueType::I32);
            EMIT(table_size(table));
        } else {
            TRY(pop(ValueType::I32));
            TRY(pop(element));
            TRY(pop(ValueType::I32));
            EMIT(table_fill(table));
        }
        return {};
    }
    default:
        return Error::at(ErrorCode::Malformed, m_instruction_offset, "illegal opcode");
    }
}

ErrorOr FunctionValidator::simd()
{
    u32 sub = TRY(m_reader.read_u32());
    // Operations without immediates: their operand types (the last on top) and result type.
    Span<const ValueType> operands;
    ValueType result = ValueType::V128;
    switch (sub) {
#define ATH_SIMD_CASE_LABEL(code, ...) case code:
        ATH_WASM_SIMD_BINARY_OPS(ATH_SIMD_CASE_LABEL)
        operands = two_v128;
        break;
        ATH_WASM_SIMD_UNARY_OPS(ATH_SIMD_CASE_LABEL)
        operands = one_v128;
        break;
        ATH_WASM_SIMD_SHIFT_OPS(ATH_SIMD_CASE_LABEL)
        operands = v128_and_i32;
        break;
        ATH_WASM_SIMD_TEST_OPS(ATH_SIMD_CASE_LABEL)
        operands = one_v128;
        result = ValueType::I32;
        break;
    case 82: // v128.bitselect
        operands = three_v128;
        break;
#undef ATH_SIMD_CASE_LABEL
#define ATH_SIMD_SPLAT_CASE(code, Name, Scalar, Lane, count) \
    case code: {                                             \
        static constexpr ValueType scalar[] = { ValueType::Scalar }; \
        operands = scalar;                                   \
        break;                                               \
    }
        ATH_WASM_SIMD_SPLAT_OPS(ATH_SIMD_SPLAT_CASE)
#undef ATH_SIMD_SPLAT_CASE
#define ATH_SIMD_LANE_CASE(code, Name, Scalar, Lane, count, replace) \
    case code: {                                                       \
        u8 lane;                                                       \
        TRY(read_lane_index(count, lane));                             \
        if (replace)                                                   \
            TRY(pop(ValueType::Scalar));                               \
        TRY(pop(ValueType::V128));                                     \
        m_operands.push(replace ? ValueType::V128 : ValueType::Scalar); \
        EMIT(vector_lane(code, lane));                                 \
        return {};                                                     \
    }
#define ATH_SIMD_EXTRACT_CASE(...) ATH_SIMD_LANE_CASE(__VA_ARGS__, false)
#define ATH_SIMD_REPLACE_CASE(...) ATH_SIMD_LANE_CASE(__VA_ARGS__, true)
        ATH_WASM_SIMD_EXTRACT_OPS(ATH_SIMD_EXTRACT_CASE)
        ATH_WASM_SIMD_REPLACE_OPS(ATH_SIMD_REPLACE_CASE)
#undef ATH_SIMD_EXTRACT_CASE
#undef ATH_SIMD_REPLACE_CASE
#undef ATH_SIMD_LANE_CASE
    case 12: { // v128.const
        u64 low = TRY(m_reader.read_fixed_u64());
        u64 high = TRY(m_reader.read_fixed_u64());
        m_operands.push(ValueType::V128);
        EMIT(vector_constant(low, high));
        return {};
    }
    case 13: { // i8x16.shuffle
        u8 lanes[16];
        for (auto& lane : lanes)
            TRY(read_lane_index(32, lane));
        TRY(pop_values(two_v128));
        m_operands.push(ValueType::V128);
        EMIT(vector_shuffle(lanes));
        return {};
    }
    default:
        break;
    }
    if (operands.size() > 0) {
        TRY(pop_values(operands));
        m_operands.push(result);
        EMIT(vector_operation(sub));
        return {};
    }

    // Memory instructions.
    u32 alignment;
    switch (sub) {
#define ATH_SIMD_MEMORY_CASE(code, Name, align) \
    case code:                                  \
        alignment = align;                      \
        break;
        ATH_WASM_SIMD_MEMORY_OPS(ATH_SIMD_MEMORY_CASE)
#undef ATH_SIMD_MEMORY_CASE
    default:
        return Error::at(ErrorCode::Malformed, m_instruction_offset, "illegal opcode");
    }
    u64 offset;
    TRY(read_memory_argument(alignment, offset));
    bool is_lane = sub >= 84 && sub <= 91;
    Optional<u8> lane;
    if (is_lane) {
        u8 index = 0;
        TRY(read_lane_index(16u >> alignment, index));
        lane = index;
    }
    if (sub == 11 || (sub >= 88 && sub <= 91)) { // stores
        TRY(pop(ValueType::V128));
        TRY(pop(ValueType::I32));
    } else {
        if (is_lane)
            TRY(pop(ValueType::V128));
        TRY(pop(ValueType::I32));
        m_operands.push(ValueType::V128);
    }
    EMIT(vector_memory(sub, offset, lane));
    return {};
}

#undef EMIT

} // namespace ath::wasm
