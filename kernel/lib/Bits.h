#pragma once

// Bit and alignment helpers. Alignments are powers of two; that is checked, not assumed.
#include "Assert.h"
#include "Optional.h"
#include "Traits.h"

namespace ath {

template<UnsignedIntegral T>
constexpr bool is_power_of_two(T value) { return value != 0 && (value & (value - 1)) == 0; }

template<UnsignedIntegral T>
constexpr bool is_aligned(T value, T alignment)
{
    VERIFY(is_power_of_two(alignment));
    return (value & (alignment - 1)) == 0;
}

template<UnsignedIntegral T>
constexpr T align_down(T value, T alignment)
{
    VERIFY(is_power_of_two(alignment));
    return value & ~(alignment - 1);
}

// Rounds up; none when the result would not fit in T.
template<UnsignedIntegral T>
constexpr Optional<T> checked_align_up(T value, T alignment)
{
    VERIFY(is_power_of_two(alignment));
    T sum;
    if (__builtin_add_overflow(value, alignment - 1, &sum))
        return none;
    return static_cast<T>(sum & ~(alignment - 1));
}

template<UnsignedIntegral T>
constexpr T align_up(T value, T alignment)
{
    auto aligned = checked_align_up(value, alignment);
    VERIFY(aligned.has_value());
    return *aligned;
}

template<UnsignedIntegral T>
constexpr Optional<T> checked_add(T a, T b)
{
    T out;
    if (__builtin_add_overflow(a, b, &out))
        return none;
    return out;
}

template<UnsignedIntegral T>
constexpr Optional<T> checked_mul(T a, T b)
{
    T out;
    if (__builtin_mul_overflow(a, b, &out))
        return none;
    return out;
}

// True when [offset, offset + length) lies inside [0, limit) without wrapping.
template<UnsignedIntegral T>
constexpr bool range_within(T offset, T length, T limit)
{
    return offset <= limit && length <= limit - offset;
}

template<UnsignedIntegral T>
constexpr unsigned popcount(T value) { return static_cast<unsigned>(__builtin_popcountll(value)); }

// Count of leading zero bits in the width of T; the width for zero.
template<UnsignedIntegral T>
constexpr unsigned count_leading_zeros(T value)
{
    if (value == 0)
        return sizeof(T) * 8;
    return static_cast<unsigned>(__builtin_clzll(value)) - (64 - sizeof(T) * 8);
}

template<UnsignedIntegral T>
constexpr unsigned count_trailing_zeros(T value)
{
    if (value == 0)
        return sizeof(T) * 8;
    return static_cast<unsigned>(__builtin_ctzll(value));
}

// floor(log2(value)); value must not be zero.
template<UnsignedIntegral T>
constexpr unsigned log2_floor(T value)
{
    VERIFY(value != 0);
    return sizeof(T) * 8 - 1 - count_leading_zeros(value);
}

template<UnsignedIntegral T>
constexpr T rotate_left(T value, unsigned count)
{
    constexpr unsigned width = sizeof(T) * 8;
    count %= width;
    return count == 0 ? value : static_cast<T>((value << count) | (value >> (width - count)));
}

template<UnsignedIntegral T>
constexpr T rotate_right(T value, unsigned count)
{
    constexpr unsigned width = sizeof(T) * 8;
    count %= width;
    return count == 0 ? value : static_cast<T>((value >> count) | (value << (width - count)));
}

constexpr u16 byte_swap(u16 v) { return __builtin_bswap16(v); }
constexpr u32 byte_swap(u32 v) { return __builtin_bswap32(v); }
constexpr u64 byte_swap(u64 v) { return __builtin_bswap64(v); }

// Little-endian loads and stores from byte arrays of unknown alignment.
template<typename T>
inline T load_le(const u8* bytes)
{
    T value;
    __builtin_memcpy(&value, bytes, sizeof(T));
    return value; // all supported targets are little-endian; checked below
}
template<typename T>
inline void store_le(u8* bytes, T value) { __builtin_memcpy(bytes, &value, sizeof(T)); }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Azoth targets are little-endian");

} // namespace ath
