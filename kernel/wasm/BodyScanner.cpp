// A decode-only pass over function bodies. The compiler validates while it decodes, so a body can
// fail validation before a later byte would have been malformed; the spec (and its testsuite)
// reports decoding errors first. When compilation finds a module invalid, this scan looks for a
// malformed body from there on, without any type checking.
#include <kernel/wasm/ModuleData.h>
#include <kernel/wasm/Reader.h>

namespace ath::wasm {

namespace {

ErrorOr skip_memory_argument(Reader& reader)
{
    TRY(reader.read_u32());
    TRY(reader.read_u32());
    return {};
}

ErrorOr expect_zero(Reader& reader)
{
    usize at = reader.offset();
    if (TRY(reader.read_u8()) != 0)
        return Error::at(ErrorCode::Malformed, at, "zero byte expected");
    return {};
}

ErrorOr skip_block_type(Reader& reader)
{
    u8 first = TRY(reader.peek_u8());
    if (first == 0x40 || (first >= 0x7B && first <= 0x7F) || first == 0x70 || first == 0x6F) {
        TRY(reader.read_u8());
        return {};
    }
    usize at = reader.offset();
    if (TRY(reader.read_s33()) < 0)
        return Error::at(ErrorCode::Malformed, at, "malformed value type");
    return {};
}

ErrorOr skip_prefixed(Reader& reader, usize at)
{
    u32 sub = TRY(reader.read_u32());
    if (sub <= 7)
        return {};
    switch (sub) {
    case 8: TRY(reader.read_u32()); return expect_zero(reader);
    case 9: TRY(reader.read_u32()); return {};
    case 10: TRY(expect_zero(reader)); return expect_zero(reader);
    case 11: return expect_zero(reader);
    case 12: case 14: TRY(reader.read_u32()); TRY(reader.read_u32()); return {};
    case 13: case 15: case 16: case 17: TRY(reader.read_u32()); return {};
    default: return Error::at(ErrorCode::Malformed, at, "illegal opcode");
    }
}

ErrorOr skip_simd(Reader& reader, usize at)
{
    u32 sub = TRY(reader.read_u32());
    if (sub <= 11 || sub == 92 || sub == 93)
        return skip_memory_argument(reader);
    if (sub >= 84 && sub <= 91) {
        TRY(skip_memory_argument(reader));
        TRY(reader.read_u8());
        return {};
    }
    if (sub == 12 || sub == 13) {
        TRY(reader.read_bytes(16));
        return {};
    }
    if (sub >= 21 && sub <= 34) {
        TRY(reader.read_u8());
        return {};
    }
    // Sub-opcodes without immediates; the gaps are unassigned.
    constexpr u16 unassigned[] = { 154, 162, 165, 166, 175, 176, 178, 179, 180, 187, 194, 197, 198, 207, 208, 210, 211, 212, 226, 238 };
    if (sub > 255)
        return Error::at(ErrorCode::Malformed, at, "illegal opcode");
    for (u16 gap : unassigned) {
        if (sub == gap)
            return Error::at(ErrorCode::Malformed, at, "illegal opcode");
    }
    return {};
}

ErrorOr scan_body(Reader& reader)
{
    u32 depth = 1;
    while (depth > 0) {
        if (reader.at_end())
            return reader.malformed("END opcode expected");
        usize at = reader.offset();
        u8 opcode = TRY(reader.read_u8());
        switch (opcode) {
        case 0x02: case 0x03: case 0x04:
            TRY(skip_block_type(reader));
            ++depth;
            break;
        case 0x0B:
            --depth;
            break;
        case 0x0C: case 0x0D: case 0x10: case 0xD2:
        case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
            TRY(reader.read_u32());
            break;
        case 0x0E: {
            u32 count = TRY(reader.read_vector_length());
            for (u32 i = 0; i <= count; ++i)
                TRY(reader.read_u32());
            break;
        }
        case 0x11:
            TRY(reader.read_u32());
            TRY(reader.read_u32());
            break;
        case 0x1C: {
            u32 count = TRY(reader.read_vector_length());
            TRY(reader.read_bytes(count));
            break;
        }
        case 0x3F: case 0x40: TRY(expect_zero(reader)); break;
        case 0x41: TRY(reader.read_i32()); break;
        case 0x42: TRY(reader.read_i64()); break;
        case 0x43: TRY(reader.read_bytes(4)); break;
        case 0x44: TRY(reader.read_bytes(8)); break;
        case 0xD0: TRY(reader.read_u8()); break;
        case 0xFC: TRY(skip_prefixed(reader, at)); break;
        case 0xFD: TRY(skip_simd(reader, at)); break;
        default:
            if (opcode >= 0x28 && opcode <= 0x3E) {
                TRY(skip_memory_argument(reader));
                break;
            }
            if (opcode <= 0x01 || opcode == 0x05 || opcode == 0x0F || opcode == 0x1A || opcode == 0x1B
                || (opcode >= 0x45 && opcode <= 0xC4) || opcode == 0xD1)
                break;
            return Error::at(ErrorCode::Malformed, at, "illegal opcode");
        }
    }
    if (!reader.at_end())
        return reader.malformed("section size mismatch");
    return {};
}

} // namespace

ErrorOr scan_bodies_for_malformed(const ModuleData& module, u32 first_function)
{
    for (u32 i = first_function; i < module.functions.size(); ++i) {
        const FunctionData& function = module.functions[i];
        Reader reader(ReadonlyBytes(module.bytes + function.body_offset, function.body_size), function.body_offset);
        TRY(scan_body(reader));
    }
    return {};
}

} // namespace ath::wasm
