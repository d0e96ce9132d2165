// The binary format decoder: bytes -> ModuleData. Rejects malformed input with the spec's wording
// and the byte offset, and checks the module-level validation rules that need no code (indices,
// limits, export names, the start function, constant expressions). Function bodies are validated
// and compiled afterwards by Compiler.cpp.
#include <kernel/wasm/ModuleData.h>
#include <kernel/wasm/Reader.h>

namespace ath::wasm {

namespace {

// Appends what a read produced, or passes its error on.
template<typename T>
ErrorOr append_result(Vector<T>& vector, Result<T> item)
{
    if (item.is_error())
        return item.error();
    return vector.append(item.value());
}

constexpr u32 max_locals_per_function = 50000;

Error invalid(u64 offset, const char* reason) { return Error::at(ErrorCode::Invalid, offset, reason); }

bool is_valid_utf8(ReadonlyBytes bytes)
{
    usize i = 0;
    while (i < bytes.size()) {
        u8 lead = bytes.data()[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        usize length;
        u32 code_point;
        if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code_point = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code_point = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code_point = lead & 0x07;
        } else {
            return false;
        }
        if (bytes.size() - i < length)
            return false;
        for (usize k = 1; k < length; ++k) {
            u8 next = bytes.data()[i + k];
            if ((next & 0xC0) != 0x80)
                return false;
            code_point = code_point << 6 | (next & 0x3F);
        }
        if ((length == 2 && code_point < 0x80) || (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000))
            return false; // overlong
        if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
            return false;
        i += length;
    }
    return true;
}

// Whether a first opcode byte names an instruction at all (to tell malformed from non-constant).
bool is_known_opcode(u8 opcode)
{
    return opcode <= 0x05 || (opcode >= 0x0B && opcode <= 0x11) || (opcode >= 0x1A && opcode <= 0x1C)
        || (opcode >= 0x20 && opcode <= 0x26) || (opcode >= 0x28 && opcode <= 0xC4) || (opcode >= 0xD0 && opcode <= 0xD2)
        || opcode == 0xFC || opcode == 0xFD;
}

class Decoder {
public:
    explicit Decoder(ModuleData& module) : m_module(module) { }
    ErrorOr decode();

private:
    Result<StringView> read_name(Reader& reader)
    {
        u32 length = TRY(reader.read_u32());
        if (length > reader.remaining())
            return reader.malformed("length out of bounds");
        auto bytes = TRY(reader.read_bytes(length));
        if (!is_valid_utf8(bytes))
            return reader.malformed("malformed UTF-8 encoding");
        return StringView(bytes);
    }

    // A vector count, bounded by the bytes left so a hostile count cannot make us allocate.
    Result<u32> read_count(Reader& reader, usize minimum_bytes_per_element = 1)
    {
        usize at = reader.offset();
        u32 count = TRY(reader.read_u32());
        if (minimum_bytes_per_element && count > reader.remaining() / minimum_bytes_per_element)
            return Error::at(ErrorCode::Malformed, at, "length out of bounds");
        return count;
    }

    // A vector's items (each at least `minimum_bytes` long), appended to `vector`; `read_item()`
    // reads one.
    template<typename T, typename ReadItem>
    ErrorOr read_items(Reader& reader, usize minimum_bytes, Vector<T>& vector, ReadItem read_item)
    {
        u32 count = TRY(read_count(reader, minimum_bytes));
        TRY(vector.reserve(vector.size() + count));
        for (u32 i = 0; i < count; ++i)
            TRY(append_result(vector, read_item()));
        return {};
    }

    Result<ValueType> read_value_type(Reader& reader)
    {
        u8 byte = TRY(reader.read_u8());
        switch (byte) {
        case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
            return static_cast<ValueType>(byte);
        default:
            return Error::at(ErrorCode::Malformed, reader.offset() - 1, "malformed value type");
        }
    }

    Result<ValueType> read_reference_type(Reader& reader)
    {
        u8 byte = TRY(reader.read_u8());
        if (byte != 0x70 && byte != 0x6F)
            return Error::at(ErrorCode::Malformed, reader.offset() - 1, "malformed reference type");
        return static_cast<ValueType>(byte);
    }

    Result<Limits> read_limits(Reader& reader)
    {
        usize at = reader.offset();
        u8 flags = TRY(reader.read_u8());
        if (flags > 1)
            return Error::at(ErrorCode::Malformed, at, "integer too large");
        Limits limits;
        limits.minimum = TRY(reader.read_u32());
        if (flags & 1)
            limits.maximum = TRY(reader.read_u32());
        return limits;
    }

    Result<TableType> read_table_type(Reader& reader)
    {
        TableType type;
        type.element = TRY(read_reference_type(reader));
        usize at = reader.offset();
        type.limits = TRY(read_limits(reader));
        if (type.limits.maximum.has_value() && type.limits.minimum > type.limits.maximum.value())
            return invalid(at, "size minimum must not be greater than maximum");
        return type;
    }

    Result<MemoryType> read_memory_type(Reader& reader)
    {
        MemoryType type;
        usize at = reader.offset();
        type.limits = TRY(read_limits(reader));
        if (type.limits.minimum > Memory::max_pages || (type.limits.maximum.has_value() && type.limits.maximum.value() > Memory::max_pages))
            return invalid(at, "memory size must be at most 65536 pages (4GiB)");
        if (type.limits.maximum.has_value() && type.limits.minimum > type.limits.maximum.value())
            return invalid(at, "size minimum must not be greater than maximum");
        return type;
    }

    Result<GlobalType> read_global_type(Reader& reader)
    {
        GlobalType type;
        type.type = TRY(read_value_type(reader));
        u8 mutability = TRY(reader.read_u8());
        if (mutability > 1)
            return Error::at(ErrorCode::Malformed, reader.offset() - 1, "malformed mutability");
        type.is_mutable = mutability == 1;
        return type;
    }

    // `global_limit`: how many globals a global.get may name (imported ones for global initialisers).
    Result<ConstantExpression> read_constant_expression(Reader& reader, ValueType expected, u32 global_limit)
    {
        ConstantExpression expression;
        usize at = reader.offset();
        u8 opcode = TRY(reader.read_u8());
        switch (opcode) {
        case 0x41:
            expression.kind = ConstantExpression::Kind::I32;
            expression.type = ValueType::I32;
            expression.low = static_cast<u32>(TRY(reader.read_i32()));
            break;
        case 0x42:
            expression.kind = ConstantExpression::Kind::I64;
            expression.type = ValueType::I64;
            expression.low = static_cast<u64>(TRY(reader.read_i64()));
            break;
        case 0x43:
            expression.kind = ConstantExpression::Kind::F32;
            expression.type = ValueType::F32;
            expression.low = TRY(reader.read_fixed_u32());
            break;
        case 0x44:
            expression.kind = ConstantExpression::Kind::F64;
            expression.type = ValueType::F64;
            expression.low = TRY(reader.read_fixed_u64());
            break;
        case 0xFD: {
            u32 sub = TRY(reader.read_u32());
            if (sub != 12)
                return invalid(at, "constant expression required");
            expression.kind = ConstantExpression::Kind::V128;
            expression.type = ValueType::V128;
            expression.low = TRY(reader.read_fixed_u64());
            expression.high = TRY(reader.read_fixed_u64());
            break;
        }
        case 0xD0:
            expression.kind = ConstantExpression::Kind::RefNull;
            expression.type = TRY(read_reference_type(reader));
            break;
        case 0xD2: {
            expression.kind = ConstantExpression::Kind::RefFunc;
            expression.type = ValueType::FuncRef;
            usize index_at = reader.offset();
            expression.index = TRY(reader.read_u32());
            if (expression.index >= m_declared_function_count)
                return invalid(index_at, "unknown function");
            TRY(m_referenced.append(expression.index));
            break;
        }
        case 0x23: {
            expression.kind = ConstantExpression::Kind::GlobalGet;
            usize index_at = reader.offset();
            expression.index = TRY(reader.read_u32());
            if (expression.index >= global_limit)
                return invalid(index_at, "unknown global");
            const auto& global = m_module.globals[expression.index].type;
            if (global.is_mutable)
                return invalid(index_at, "constant expression required");
            expression.type = global.type;
            break;
        }
        case 0x0B:
            return invalid(at, "type mismatch");
        default:
            if (!is_known_opcode(opcode))
                return Error::at(ErrorCode::Malformed, at, "illegal opcode");
            return invalid(at, "constant expression required");
        }
        usize end_at = reader.offset();
        u8 end = TRY(reader.read_u8());
        if (end != 0x0B) {
            // A second instruction: too many values, or a non-constant one.
            if (end == 0x41 || end == 0x42 || end == 0x43 || end == 0x44 || end == 0xD0 || end == 0xD2 || end == 0x23)
                return invalid(end_at, "type mismatch");
            return invalid(end_at, "constant expression required");
        }
        if (expression.type != expected)
            return invalid(at, "type mismatch");
        return expression;
    }

    ErrorOr read_value_types(Reader&, u32& offset, u32& count);
    ErrorOr read_type_section(Reader&);
    ErrorOr read_import_section(Reader&);
    ErrorOr read_function_section(Reader&);
    ErrorOr read_table_section(Reader&);
    ErrorOr read_memory_section(Reader&);
    ErrorOr read_global_section(Reader&);
    ErrorOr read_export_section(Reader&);
    ErrorOr read_start_section(Reader&);
    ErrorOr read_element_section(Reader&);
    ErrorOr read_code_section(Reader&);
    ErrorOr read_data_section(Reader&);
    ErrorOr read_data_count_section(Reader&);

    Result<u32> read_type_index(Reader& reader) const
    {
        usize at = reader.offset();
        u32 index = TRY(reader.read_u32());
        if (index >= m_module.types.size())
            return invalid(at, "unknown type");
        return index;
    }

    ModuleData& m_module;
    Vector<u32> m_referenced { *m_module.allocator };
    u32 m_declared_function_count { 0 }; // imports + function section entries
    u32 m_defined_function_count { 0 };
    bool m_saw_code { false };
};

// A vector of value types, appended to the type pool: where it starts there and how many.
ErrorOr Decoder::read_value_types(Reader& reader, u32& offset, u32& count)
{
    count = TRY(read_count(reader));
    offset = static_cast<u32>(m_module.type_pool.size());
    for (u32 i = 0; i < count; ++i)
        TRY(append_result(m_module.type_pool, read_value_type(reader)));
    return {};
}

ErrorOr Decoder::read_type_section(Reader& reader)
{
    return read_items(reader, 3, m_module.types, [&]() -> Result<FunctionTypeData> {
        usize at = reader.offset();
        u8 form = TRY(reader.read_u8());
        if (form != 0x60)
            return Error::at(ErrorCode::Malformed, at, "integer representation too long");
        FunctionTypeData type {};
        TRY(read_value_types(reader, type.parameter_offset, type.parameter_count));
        TRY(read_value_types(reader, type.result_offset, type.result_count));
        return type;
    });
}

ErrorOr Decoder::read_import_section(Reader& reader)
{
    u32 count = TRY(read_count(reader, 4));
    TRY(m_module.imports.reserve(count));
    for (u32 i = 0; i < count; ++i) {
        ImportData import {};
        import.module_name = TRY(read_name(reader));
        import.field_name = TRY(read_name(reader));
        usize at = reader.offset();
        u8 kind = TRY(reader.read_u8());
        switch (kind) {
        case 0: {
            import.kind = ExternKind::Function;
            import.type_index = TRY(read_type_index(reader));
            FunctionData function {};
            function.type_index = import.type_index;
            TRY(m_module.functions.append(function));
            ++m_module.imported_function_count;
            break;
        }
        case 1:
            import.kind = ExternKind::Table;
            import.table = TRY(read_table_type(reader));
            TRY(m_module.tables.append(import.table));
            ++m_module.imported_table_count;
            break;
        case 2:
            import.kind = ExternKind::Memory;
            import.memory = TRY(read_memory_type(reader));
            TRY(m_module.memories.append(import.memory));
            ++m_module.imported_memory_count;
            if (m_module.memories.size() > 1)
                return invalid(at, "multiple memories");
            break;
        case 3: {
            import.kind = ExternKind::Global;
            import.global = TRY(read_global_type(reader));
            GlobalData global {};
            global.type = import.global;
            TRY(m_module.globals.append(global));
            ++m_module.imported_global_count;
            break;
        }
        default:
            return Error::at(ErrorCode::Malformed, at, "malformed import kind");
        }
        TRY(m_module.imports.append(import));
    }
    m_declared_function_count = m_module.imported_function_count;
    return {};
}

ErrorOr Decoder::read_function_section(Reader& reader)
{
    usize declared_before = m_module.functions.size();
    TRY(read_items(reader, 1, m_module.functions, [&]() -> Result<FunctionData> {
        FunctionData function {};
        function.type_index = TRY(read_type_index(reader));
        return function;
    }));
    m_defined_function_count = static_cast<u32>(m_module.functions.size() - declared_before);
    m_declared_function_count = static_cast<u32>(m_module.functions.size());
    return {};
}

ErrorOr Decoder::read_table_section(Reader& reader)
{
    return read_items(reader, 3, m_module.tables, [&] { return read_table_type(reader); });
}

ErrorOr Decoder::read_memory_section(Reader& reader)
{
    u32 count = TRY(read_count(reader, 2));
    for (u32 i = 0; i < count; ++i) {
        usize at = reader.offset();
        TRY(append_result(m_module.memories, read_memory_type(reader)));
        if (m_module.memories.size() > 1)
            return invalid(at, "multiple memories");
    }
    return {};
}

ErrorOr Decoder::read_global_section(Reader& reader)
{
    return read_items(reader, 3, m_module.globals, [&]() -> Result<GlobalData> {
        GlobalData global {};
        global.type = TRY(read_global_type(reader));
        global.initializer = TRY(read_constant_expression(reader, global.type.type, m_module.imported_global_count));
        return global;
    });
}

ErrorOr Decoder::read_export_section(Reader& reader)
{
    u32 count = TRY(read_count(reader, 3));
    TRY(m_module.exports.reserve(count));
    for (u32 i = 0; i < count; ++i) {
        usize name_at = reader.offset();
        ExportData entry {};
        entry.name = TRY(read_name(reader));
        usize at = reader.offset();
        u8 kind = TRY(reader.read_u8());
        u32 index = TRY(reader.read_u32());
        switch (kind) {
        case 0:
            if (index >= m_declared_function_count)
                return invalid(at, "unknown function");
            TRY(m_referenced.append(index));
            break;
        case 1:
            if (index >= m_module.tables.size())
                return invalid(at, "unknown table");
            break;
        case 2:
            if (index >= m_module.memories.size())
                return invalid(at, "unknown memory");
            break;
        case 3:
            if (index >= m_module.globals.size())
                return invalid(at, "unknown global");
            break;
        default:
            return Error::at(ErrorCode::Malformed, at, "malformed export kind");
        }
        entry.kind = static_cast<ExternKind>(kind);
        entry.index = index;
        for (const auto& other : m_module.exports) {
            if (other.name == entry.name)
                return invalid(name_at, "duplicate export name");
        }
        TRY(m_module.exports.append(entry));
    }
    return {};
}

ErrorOr Decoder::read_start_section(Reader& reader)
{
    usize at = reader.offset();
    u32 index = TRY(reader.read_u32());
    if (index >= m_declared_function_count)
        return invalid(at, "unknown function");
    auto type = m_module.function_type_of(index);
    if (type.parameters.size() != 0 || type.results.size() != 0)
        return invalid(at, "start function");
    m_module.start_function = index;
    return {};
}

ErrorOr Decoder::read_element_section(Reader& reader)
{
    u32 count = TRY(read_count(reader));
    TRY(m_module.elements.reserve(count));
    for (u32 i = 0; i < count; ++i) {
        usize at = reader.offset();
        u32 flags = TRY(reader.read_u32());
        if (flags > 7)
            return Error::at(ErrorCode::Malformed, at, "malformed elements segment kind");
        ElementSegmentData segment {};
        segment.type = ValueType::FuncRef;
        bool is_passive_or_declarative = flags & 1;
        bool has_table_index = flags & 2;
        bool uses_expressions = flags & 4;
        if (!is_passive_or_declarative) {
            segment.mode = SegmentMode::Active;
            if (has_table_index)
                segment.table_index = TRY(reader.read_u32());
            if (segment.table_index >= m_module.tables.size())
                return invalid(at, "unknown table");
            segment.offset = TRY(read_constant_expression(reader, ValueType::I32, m_module.imported_global_count));
        } else {
            segment.mode = has_table_index ? SegmentMode::Declarative : SegmentMode::Passive;
        }
        if (flags & 3) {
            if (uses_expressions) {
                segment.type = TRY(read_reference_type(reader));
            } else {
                usize kind_at = reader.offset();
                u8 kind = TRY(reader.read_u8());
                if (kind != 0)
                    return Error::at(ErrorCode::Malformed, kind_at, "malformed element kind");
            }
        }
        u32 item_count = TRY(read_count(reader));
        segment.first_item = static_cast<u32>(m_module.element_items.size());
        segment.item_count = item_count;
        TRY(m_module.element_items.reserve(m_module.element_items.size() + item_count));
        for (u32 k = 0; k < item_count; ++k) {
            if (uses_expressions) {
                TRY(append_result(m_module.element_items, read_constant_expression(reader, segment.type, m_module.imported_global_count)));
            } else {
                usize index_at = reader.offset();
                ConstantExpression item {};
                item.kind = ConstantExpression::Kind::RefFunc;
                item.type = ValueType::FuncRef;
                item.index = TRY(reader.read_u32());
                if (item.index >= m_declared_function_count)
                    return invalid(index_at, "unknown function");
                TRY(m_referenced.append(item.index));
                TRY(m_module.element_items.append(item));
            }
        }
        if (segment.mode == SegmentMode::Active && m_module.tables[segment.table_index].element != segment.type)
            return invalid(at, "type mismatch");
        TRY(m_module.elements.append(segment));
    }
    return {};
}

ErrorOr Decoder::read_data_count_section(Reader& reader)
{
    m_module.data_count = TRY(reader.read_u32());
    return {};
}

ErrorOr Decoder::read_code_section(Reader& reader)
{
    usize count_at = reader.offset();
    u32 count = TRY(read_count(reader, 2));
    if (count != m_defined_function_count)
        return Error::at(ErrorCode::Malformed, count_at, "function and code section have inconsistent lengths");
    m_saw_code = true;
    for (u32 i = 0; i < count; ++i) {
        FunctionData& function = m_module.functions[m_module.imported_function_count + i];
        u32 size = TRY(reader.read_u32());
        if (size > reader.remaining())
            return reader.malformed("unexpected end of section or function");
        usize body_start = reader.offset();
        Reader body(TRY(reader.read_bytes(size)), body_start);
        // Appending to the pool may move it: index it afresh instead of holding a span.
        FunctionTypeData type = m_module.types[function.type_index];
        function.local_types_offset = static_cast<u32>(m_module.type_pool.size());
        for (u32 p = 0; p < type.parameter_count; ++p)
            TRY(m_module.type_pool.append(m_module.type_pool[type.parameter_offset + p]));
        u32 group_count = TRY(read_count(body, 2));
        u64 total = type.parameter_count;
        for (u32 g = 0; g < group_count; ++g) {
            u32 local_count = TRY(body.read_u32());
            total += local_count;
            if (total > 0xFFFFFFFFull)
                return body.malformed("too many locals");
            if (total > max_locals_per_function)
                return body.malformed("too many locals");
            ValueType local_type = TRY(read_value_type(body));
            for (u32 k = 0; k < local_count; ++k)
                TRY(m_module.type_pool.append(local_type));
        }
        function.local_count = static_cast<u32>(total);
        function.body_offset = static_cast<u32>(body.offset());
        function.body_size = static_cast<u32>(body.remaining());
    }
    return {};
}

ErrorOr Decoder::read_data_section(Reader& reader)
{
    usize count_at = reader.offset();
    u32 count = TRY(read_count(reader));
    if (m_module.data_count.has_value() && m_module.data_count.value() != count)
        return Error::at(ErrorCode::Malformed, count_at, "data count and data section have inconsistent lengths");
    TRY(m_module.data_segments.reserve(count));
    for (u32 i = 0; i < count; ++i) {
        usize at = reader.offset();
        u32 flags = TRY(reader.read_u32());
        DataSegmentData segment {};
        switch (flags) {
        case 0:
        case 2:
            segment.mode = SegmentMode::Active;
            if (flags == 2)
                segment.memory_index = TRY(reader.read_u32());
            if (segment.memory_index >= m_module.memories.size())
                return invalid(at, "unknown memory");
            segment.offset = TRY(read_constant_expression(reader, ValueType::I32, m_module.imported_global_count));
            break;
        case 1:
            segment.mode = SegmentMode::Passive;
            break;
        default:
            return Error::at(ErrorCode::Malformed, at, "malformed data segment kind");
        }
        u32 length = TRY(reader.read_u32());
        if (length > reader.remaining())
            return reader.malformed("unexpected end of section or function");
        segment.bytes = TRY(reader.read_bytes(length));
        TRY(m_module.data_segments.append(segment));
    }
    return {};
}

// Section order of Wasm 2.0 (the data count section sits between element and code).
u8 section_rank(u8 id)
{
    switch (id) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 6: return 6;
    case 7: return 7;
    case 8: return 8;
    case 9: return 9;
    case 12: return 10;
    case 10: return 11;
    case 11: return 12;
    default: return 0;
    }
}

ErrorOr Decoder::decode()
{
    Reader reader(ReadonlyBytes(m_module.bytes, m_module.byte_count));
    if (reader.remaining() < 4)
        return reader.malformed("unexpected end");
    auto magic = TRY(reader.read_bytes(4));
    if (!(magic.data()[0] == 0 && magic.data()[1] == 'a' && magic.data()[2] == 's' && magic.data()[3] == 'm'))
        return Error::at(ErrorCode::Malformed, 0, "magic header not detected");
    if (reader.remaining() < 4)
        return reader.malformed("unexpected end");
    u32 version = TRY(reader.read_fixed_u32());
    if (version != 1)
        return Error::at(ErrorCode::Malformed, 4, "unknown binary version");

    u8 last_rank = 0;
    bool saw_function_section = false;
    while (!reader.at_end()) {
        usize section_at = reader.offset();
        u8 id = TRY(reader.read_u8());
        if (id > 12)
            return Error::at(ErrorCode::Malformed, section_at, "malformed section id");
        u32 size = TRY(reader.read_u32());
        if (size > reader.remaining())
            return reader.malformed("length out of bounds");
        usize content_at = reader.offset();
        Reader section(TRY(reader.read_bytes(size)), content_at);
        if (id == 0) {
            TRY(read_name(section)); // custom sections: only the name must be well-formed
            continue;
        }
        u8 rank = section_rank(id);
        if (rank <= last_rank)
            return Error::at(ErrorCode::Malformed, section_at, "unexpected content after last section");
        last_rank = rank;
        switch (id) {
        case 1: TRY(read_type_section(section)); break;
        case 2: TRY(read_import_section(section)); break;
        case 3:
            TRY(read_function_section(section));
            saw_function_section = true;
            break;
        case 4: TRY(read_table_section(section)); break;
        case 5: TRY(read_memory_section(section)); break;
        case 6: TRY(read_global_section(section)); break;
        case 7: TRY(read_export_section(section)); break;
        case 8: TRY(read_start_section(section)); break;
        case 9: TRY(read_element_section(section)); break;
        case 10: TRY(read_code_section(section)); break;
        case 11: TRY(read_data_section(section)); break;
        case 12: TRY(read_data_count_section(section)); break;
        default: break; // 0 (custom) and ids above 12 were answered above
        }
        if (!section.at_end())
            return Error::at(ErrorCode::Malformed, section.offset(), "section size mismatch");
    }
    (void)saw_function_section;
    if (m_defined_function_count > 0 && !m_saw_code)
        return Error::at(ErrorCode::Malformed, reader.offset(), "function and code section have inconsistent lengths");
    if (m_module.data_count.has_value() && m_module.data_count.value() != m_module.data_segments.size())
        return Error::at(ErrorCode::Malformed, reader.offset(), "data count and data section have inconsistent lengths");

    TRY(m_module.declared_function_references.resize(m_module.functions.size(), 0));
    for (u32 index : m_referenced)
        m_module.declared_function_references[index] = 1;
    return {};
}

} // namespace

ErrorOr decode_module(ModuleData& module)
{
    Decoder decoder(module);
    return decoder.decode();
}

} // namespace ath::wasm
