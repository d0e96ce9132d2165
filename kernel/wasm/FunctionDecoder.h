#pragma once

// The validator's decoding loop, a template over the backend (Validator.h): FunctionDecoder<Emitter>
// reads a function body instruction by instruction, checks each with FunctionValidator's stacks
// and reports it to `Emitter`, a CodeEmitter. The emitter's type is known here, so the calls are
// direct (and inlined where the emitter's definitions are visible): a backend includes this header
// in the one source that instantiates it (the interpreter: InterpreterEmitter.cpp's
// compile_function), and nothing else needs to.
#include <kernel/wasm/Validator.h>

namespace ath::wasm {

template<typename Emitter>
class FunctionDecoder final : public FunctionValidator {
public:
    FunctionDecoder(ModuleData& module, u32 function_index, Emitter& emitter)
        : FunctionValidator(module, function_index)
        , m_emitter(emitter)
    {
    }

    ErrorOr validate()
    {
        TRY(open_function_frame());
        TRY(m_emitter.begin(*this));
        while (!m_control.is_empty()) {
            if (m_reader.at_end())
                return m_reader.malformed("END opcode expected");
            TRY(instruction());
            if (m_operands.failed() || m_emitter.failed()) [[unlikely]] {
                TRY(m_operands.error());
                return m_emitter.error();
            }
        }
        if (!m_reader.at_end())
            return m_reader.malformed("section size mismatch");
        return {};
    }

private:
    ErrorOr instruction();
    ErrorOr branch_table();
    ErrorOr memory_access(u8 opcode, u32 natural_alignment_log2, ValueType, bool is_store);
    ErrorOr numeric(u8 opcode, ValueType operand, ValueType result, bool is_binary);
    ErrorOr prefixed();
    ErrorOr simd();

    ErrorOr open_frame_and_enter(FrameKind kind, BlockType type)
    {
        TRY(open_frame(kind, type));
        m_emitter.enter(m_control.last());
        return {};
    }

    Emitter& m_emitter;
};

// Reports an instruction to the emitter, which sees reachable code only.
#define EMIT(...)                          \
    do {                                   \
        if (m_reachable)                   \
            m_emitter.__VA_ARGS__;         \
    } while (0)

template<typename Emitter>
ErrorOr FunctionDecoder<Emitter>::instruction()
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
        return open_frame_and_enter(opcode == 0x02 ? FrameKind::Block : FrameKind::Loop, type);
    }
    case 0x04: {
        auto type = TRY(read_block_type());
        TRY(pop(ValueType::I32));
        return open_frame_and_enter(FrameKind::If, type);
    }
    case 0x05: {
        TRY(check_else());
        m_emitter.enter_else(m_control.last());
        begin_else();
        return {};
    }
    case 0x0B: {
        ControlFrame frame = TRY(close_frame());
        m_emitter.exit(frame);
        if (frame.kind != FrameKind::Function)
            push_values(frame.type.results_span());
        return {};
    }
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

template<typename Emitter>
ErrorOr FunctionDecoder<Emitter>::memory_access(u8 opcode, u32 natural_alignment_log2, ValueType type, bool is_store)
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
template<typename Emitter>
ErrorOr FunctionDecoder<Emitter>::numeric(u8 opcode, ValueType operand, ValueType result, bool is_binary)
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

template<typename Emitter>
ErrorOr FunctionDecoder<Emitter>::branch_table()
{
    auto depths = TRY(check_branch_table());
    EMIT(branch_table(depths));
    mark_unreachable();
    return {};
}

template<typename Emitter>
ErrorOr FunctionDecoder<Emitter>::prefixed()
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

template<typename Emitter>
ErrorOr FunctionDecoder<Emitter>::simd()
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
        m_operands.push((replace) ? ValueType::V128 : ValueType::Scalar); \
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
        // NOLINTNEXTLINE(bugprone-branch-clone): one case per row of the table; rows with the same alignment are alike
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
