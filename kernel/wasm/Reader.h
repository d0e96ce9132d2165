#pragma once

// A bounds-checked cursor over module bytes. Every read fails with ErrorCode::Malformed, the byte
// offset (relative to the start of the module) and the spec testsuite's wording.
#include <kernel/wasm/Runtime.h>

namespace ath::wasm {

class Reader {
public:
    Reader(ReadonlyBytes bytes, usize base_offset = 0) : m_bytes(bytes), m_base(base_offset) { }

    usize offset() const { return m_base + m_position; } // absolute offset in the module
    usize position() const { return m_position; }
    usize remaining() const { return m_bytes.size() - m_position; }
    bool at_end() const { return m_position == m_bytes.size(); }
    ReadonlyBytes bytes() const { return m_bytes; }

    Error malformed(const char* reason) const { return Error::at(ErrorCode::Malformed, offset(), reason); }

    Result<u8> read_u8()
    {
        if (m_position >= m_bytes.size())
            return malformed("unexpected end");
        return m_bytes.data()[m_position++];
    }
    Result<u8> peek_u8() const
    {
        if (m_position >= m_bytes.size())
            return malformed("unexpected end");
        return m_bytes.data()[m_position];
    }

    Result<ReadonlyBytes> read_bytes(usize count)
    {
        if (count > remaining())
            return malformed("unexpected end");
        ReadonlyBytes out(m_bytes.data() + m_position, count);
        m_position += count;
        return out;
    }

    Result<u32> read_fixed_u32()
    {
        auto bytes = TRY(read_bytes(4));
        return static_cast<u32>(bytes.data()[0]) | static_cast<u32>(bytes.data()[1]) << 8
            | static_cast<u32>(bytes.data()[2]) << 16 | static_cast<u32>(bytes.data()[3]) << 24;
    }
    Result<u64> read_fixed_u64()
    {
        u64 low = TRY(read_fixed_u32());
        u64 high = TRY(read_fixed_u32());
        return low | high << 32;
    }

    // Unsigned LEB128 of at most `bits` bits (ceil(bits/7) bytes; unused high bits must be zero).
    template<unsigned Bits>
    Result<u64> read_unsigned()
    {
        u64 result;
        unsigned count;
        u8 last = TRY(read_leb128<Bits>(result, count));
        constexpr unsigned used = leb128_last_byte_bits<Bits>;
        if (count == leb128_max_bytes<Bits> && used < 7 && (last >> used) != 0)
            return Error::at(ErrorCode::Malformed, offset() - 1, "integer too large");
        return result;
    }

    // Signed LEB128 of at most `bits` bits; the unused bits of the last byte must sign-extend.
    template<unsigned Bits>
    Result<i64> read_signed()
    {
        u64 result;
        unsigned count;
        u8 last = TRY(read_leb128<Bits>(result, count));
        if (count == leb128_max_bytes<Bits>) {
            constexpr unsigned used = leb128_last_byte_bits<Bits>;
            // Bits [used-1, 6] must all equal the sign bit.
            u8 high = static_cast<u8>(last >> (used - 1)) & static_cast<u8>((0x7F >> (used - 1)));
            u8 all_ones = static_cast<u8>(0x7F >> (used - 1));
            if (high != 0 && high != all_ones)
                return Error::at(ErrorCode::Malformed, offset() - 1, "integer too large");
        }
        unsigned shift = 7 * count;
        if (shift < 64 && (last & 0x40))
            result |= ~0ull << shift;
        return static_cast<i64>(result);
    }

    Result<u32> read_u32() { return static_cast<u32>(TRY(read_unsigned<32>())); }
    // The length of a vector whose items take a byte or more each: more than the bytes left is
    // "unexpected end" (function bodies; the Decoder's sections report "length out of bounds").
    Result<u32> read_vector_length()
    {
        u32 count = TRY(read_u32());
        if (count > remaining())
            return malformed("unexpected end");
        return count;
    }
    Result<i32> read_i32() { return static_cast<i32>(TRY(read_signed<32>())); }
    Result<i64> read_i64() { return TRY(read_signed<64>()); }
    Result<i64> read_s33() { return TRY(read_signed<33>()); }

    void skip_to_end() { m_position = m_bytes.size(); }

private:
    template<unsigned Bits>
    static constexpr unsigned leb128_max_bytes = (Bits + 6) / 7;
    // Value bits in the last possible byte.
    template<unsigned Bits>
    static constexpr unsigned leb128_last_byte_bits = Bits - 7 * (leb128_max_bytes<Bits> - 1);

    // The 7-bit groups of a LEB128 number of at most `Bits` bits, low first, into `value` (high
    // bits zero); `count` bytes read, the last returned. The last possible byte may not continue.
    template<unsigned Bits>
    Result<u8> read_leb128(u64& value, unsigned& count)
    {
        value = 0;
        for (unsigned i = 0;; ++i) {
            u8 byte = TRY(read_u8());
            if (i == leb128_max_bytes<Bits> - 1 && (byte & 0x80))
                return Error::at(ErrorCode::Malformed, offset() - 1, "integer representation too long");
            value |= static_cast<u64>(byte & 0x7F) << (7 * i);
            if (!(byte & 0x80)) {
                count = i + 1;
                return byte;
            }
        }
    }

    ReadonlyBytes m_bytes;
    usize m_base { 0 };
    usize m_position { 0 };
};

} // namespace ath::wasm
