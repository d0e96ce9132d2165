#pragma once

// Lane-wise helpers for SIMD128: a v128 is 16 little-endian bytes viewed as lanes of type L. The
// loops are plain C++ so every target computes the same bits; compilers vectorise them where they can.
#include <kernel/lib/Traits.h>
#include <kernel/lib/Types.h>
#include <kernel/wasm/FloatOps.h>

namespace ath::wasm::simd {

struct V {
    u8 bytes[16];
};

template<typename L> constexpr usize lanes = 16 / sizeof(L);

template<typename L> inline L get(const V& v, usize i)
{
    L value;
    __builtin_memcpy(&value, v.bytes + i * sizeof(L), sizeof(L));
    return value;
}
template<typename L> inline void put(V& v, usize i, L value) { __builtin_memcpy(v.bytes + i * sizeof(L), &value, sizeof(L)); }

template<typename T> struct SameSizeUnsigned;
template<> struct SameSizeUnsigned<i8> { using Type = u8; };
template<> struct SameSizeUnsigned<u8> { using Type = u8; };
template<> struct SameSizeUnsigned<i16> { using Type = u16; };
template<> struct SameSizeUnsigned<u16> { using Type = u16; };
template<> struct SameSizeUnsigned<i32> { using Type = u32; };
template<> struct SameSizeUnsigned<u32> { using Type = u32; };
template<> struct SameSizeUnsigned<i64> { using Type = u64; };
template<> struct SameSizeUnsigned<u64> { using Type = u64; };
template<> struct SameSizeUnsigned<f32> { using Type = u32; };
template<> struct SameSizeUnsigned<f64> { using Type = u64; };
template<typename T> using UnsignedOf = typename SameSizeUnsigned<T>::Type;

template<typename L, typename F> inline V map(const V& a, F f)
{
    V r;
    for (usize i = 0; i < lanes<L>; ++i)
        put<L>(r, i, static_cast<L>(f(get<L>(a, i))));
    return r;
}
template<typename L, typename F> inline V map(const V& a, const V& b, F f)
{
    V r;
    for (usize i = 0; i < lanes<L>; ++i)
        put<L>(r, i, static_cast<L>(f(get<L>(a, i), get<L>(b, i))));
    return r;
}
// Lane-wise comparison: all ones where `f` holds.
template<typename L, typename F> inline V compare(const V& a, const V& b, F f)
{
    V r;
    for (usize i = 0; i < lanes<L>; ++i)
        put<UnsignedOf<L>>(r, i, f(get<L>(a, i), get<L>(b, i)) ? static_cast<UnsignedOf<L>>(~UnsignedOf<L>(0)) : UnsignedOf<L>(0));
    return r;
}
template<typename L> inline V shift_left(const V& a, u32 count)
{
    unsigned amount = count & (sizeof(L) * 8 - 1);
    return map<L>(a, [amount](L x) { return static_cast<L>(static_cast<UnsignedOf<L>>(x) << amount); });
}
template<typename L> inline V shift_right(const V& a, u32 count)
{
    unsigned amount = count & (sizeof(L) * 8 - 1);
    return map<L>(a, [amount](L x) { return static_cast<L>(x >> amount); });
}
template<typename L> inline u32 all_true(const V& a)
{
    for (usize i = 0; i < lanes<L>; ++i) {
        if (get<L>(a, i) == 0)
            return 0;
    }
    return 1;
}
template<typename L> inline u32 bitmask(const V& a)
{
    u32 mask = 0;
    for (usize i = 0; i < lanes<L>; ++i) {
        if (get<L>(a, i) < 0)
            mask |= 1u << i;
    }
    return mask;
}
template<typename L> inline L wrapping_abs(L x)
{
    using U = UnsignedOf<L>;
    return x < 0 ? static_cast<L>(U(0) - static_cast<U>(x)) : x;
}
template<typename L> inline L wrapping_neg(L x)
{
    using U = UnsignedOf<L>;
    return static_cast<L>(U(0) - static_cast<U>(x));
}
template<typename L> inline L wrapping_add(L x, L y) { return static_cast<L>(static_cast<UnsignedOf<L>>(x) + static_cast<UnsignedOf<L>>(y)); }
template<typename L> inline L wrapping_sub(L x, L y) { return static_cast<L>(static_cast<UnsignedOf<L>>(x) - static_cast<UnsignedOf<L>>(y)); }
template<typename L> inline L wrapping_mul(L x, L y)
{
    using U = UnsignedOf<L>;
    using Wide = decltype(U(0) * U(0) + 0u); // at least unsigned int: no promotion to signed int
    return static_cast<L>(static_cast<U>(static_cast<Wide>(static_cast<U>(x)) * static_cast<Wide>(static_cast<U>(y))));
}
template<typename L> inline L saturate(i64 x)
{
    if (x < static_cast<i64>(NumericLimits<L>::min()))
        return NumericLimits<L>::min();
    if (x > static_cast<i64>(NumericLimits<L>::max()))
        return NumericLimits<L>::max();
    return static_cast<L>(x);
}
// Narrow: lanes of a then b, saturated to the narrower type N.
template<typename Wide, typename N> inline V narrow(const V& a, const V& b)
{
    V r;
    constexpr usize half = lanes<Wide>;
    for (usize i = 0; i < half; ++i) {
        put<N>(r, i, saturate<N>(get<Wide>(a, i)));
        put<N>(r, half + i, saturate<N>(get<Wide>(b, i)));
    }
    return r;
}
// Extend the low (offset 0) or high half of the narrow lanes.
template<typename N, typename Wide> inline V extend(const V& a, usize first)
{
    V r;
    for (usize i = 0; i < lanes<Wide>; ++i)
        put<Wide>(r, i, static_cast<Wide>(get<N>(a, first + i)));
    return r;
}
template<typename N, typename Wide> inline V extend_multiply(const V& a, const V& b, usize first)
{
    V r;
    for (usize i = 0; i < lanes<Wide>; ++i)
        put<Wide>(r, i, wrapping_mul<Wide>(static_cast<Wide>(get<N>(a, first + i)), static_cast<Wide>(get<N>(b, first + i))));
    return r;
}
template<typename N, typename Wide> inline V extend_add_pairwise(const V& a)
{
    V r;
    for (usize i = 0; i < lanes<Wide>; ++i)
        put<Wide>(r, i, static_cast<Wide>(static_cast<Wide>(get<N>(a, 2 * i)) + static_cast<Wide>(get<N>(a, 2 * i + 1))));
    return r;
}
inline V dot_i16(const V& a, const V& b)
{
    V r;
    for (usize i = 0; i < 4; ++i) {
        i32 x0 = get<i16>(a, 2 * i), x1 = get<i16>(a, 2 * i + 1);
        i32 y0 = get<i16>(b, 2 * i), y1 = get<i16>(b, 2 * i + 1);
        put<u32>(r, i, static_cast<u32>(x0 * y0) + static_cast<u32>(x1 * y1));
    }
    return r;
}
inline i16 q15_multiply(i16 x, i16 y) { return saturate<i16>((static_cast<i32>(x) * static_cast<i32>(y) + 0x4000) >> 15); }
template<typename L> inline L rounding_average(L x, L y) { return static_cast<L>((static_cast<u32>(x) + static_cast<u32>(y) + 1) >> 1); }
inline u8 byte_popcount(u8 x) { return static_cast<u8>(__builtin_popcount(x)); }
template<typename F> inline F pseudo_min(F x, F y) { return y < x ? y : x; }
template<typename F> inline F pseudo_max(F x, F y) { return x < y ? y : x; }

inline V bitwise_select(const V& a, const V& b, const V& mask)
{
    V r;
    for (usize i = 0; i < 16; ++i)
        r.bytes[i] = static_cast<u8>((a.bytes[i] & mask.bytes[i]) | (b.bytes[i] & ~mask.bytes[i]));
    return r;
}
inline V swizzle(const V& a, const V& indices)
{
    V r;
    for (usize i = 0; i < 16; ++i)
        r.bytes[i] = indices.bytes[i] < 16 ? a.bytes[indices.bytes[i]] : 0;
    return r;
}
template<typename To, typename From> inline V convert(const V& a, usize count)
{
    // The first `count` lanes of `a` converted; the remaining result lanes are zero.
    V r {};
    for (usize i = 0; i < count; ++i)
        put<To>(r, i, static_cast<To>(get<From>(a, i)));
    return r;
}
template<typename To, typename From> inline V truncate_saturating(const V& a, usize count)
{
    V r {};
    for (usize i = 0; i < count; ++i)
        put<To>(r, i, saturating_truncate<To>(get<From>(a, i)));
    return r;
}

} // namespace ath::wasm::simd
