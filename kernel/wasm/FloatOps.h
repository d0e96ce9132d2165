#pragma once

// Wasm float semantics that C++ operators do not give directly, done without libm: min/max (NaN
// wins, -0 < +0), rounding to integral values, and the range checks of float->int conversions.
// Only +,-,*,/ and casts are used, so every target computes the same bits.
#include <kernel/lib/Traits.h>
#include <kernel/lib/Types.h>

namespace ath::wasm {

template<typename F> struct FloatBits;
template<> struct FloatBits<f32> {
    using Bits = u32;
    static constexpr Bits sign = 0x80000000u;
    static constexpr Bits quiet = 0x00400000u;
    static constexpr f32 integral_threshold = 8388608.0f; // 2^23: every float at or above is integral
};
template<> struct FloatBits<f64> {
    using Bits = u64;
    static constexpr Bits sign = 0x8000000000000000ull;
    static constexpr Bits quiet = 0x0008000000000000ull;
    static constexpr f64 integral_threshold = 4503599627370496.0; // 2^52
};

template<typename F> inline bool is_nan(F x) { return __builtin_isnan(x); }
template<typename F> inline F quiet_nan_of(F x)
{
    using B = typename FloatBits<F>::Bits;
    return bit_cast<F>(static_cast<B>(bit_cast<B>(x) | FloatBits<F>::quiet));
}
template<typename F> inline F float_abs(F x)
{
    using B = typename FloatBits<F>::Bits;
    return bit_cast<F>(static_cast<B>(bit_cast<B>(x) & ~FloatBits<F>::sign));
}
template<typename F> inline F copy_sign(F magnitude, F sign)
{
    using B = typename FloatBits<F>::Bits;
    return bit_cast<F>(static_cast<B>((bit_cast<B>(magnitude) & ~FloatBits<F>::sign) | (bit_cast<B>(sign) & FloatBits<F>::sign)));
}

template<typename F> inline F wasm_min(F a, F b)
{
    using B = typename FloatBits<F>::Bits;
    if (is_nan(a) || is_nan(b))
        return quiet_nan_of(is_nan(a) ? a : b);
    if (a == b) // +0 and -0: the negative one
        return bit_cast<F>(static_cast<B>(bit_cast<B>(a) | bit_cast<B>(b)));
    return a < b ? a : b;
}
template<typename F> inline F wasm_max(F a, F b)
{
    using B = typename FloatBits<F>::Bits;
    if (is_nan(a) || is_nan(b))
        return quiet_nan_of(is_nan(a) ? a : b);
    if (a == b)
        return bit_cast<F>(static_cast<B>(bit_cast<B>(a) & bit_cast<B>(b)));
    return a > b ? a : b;
}

// The rounding functions leave NaN (quieted), infinities and magnitudes at or above the threshold
// (already integral) as they are: `rounds_to_itself` gives that result for them. Below the
// threshold, `truncate_small` is the truncation toward zero (the sign kept for -0).
template<typename F> inline bool rounds_to_itself(F x, F& result)
{
    if (is_nan(x)) {
        result = quiet_nan_of(x);
        return true;
    }
    result = x;
    return !(float_abs(x) < FloatBits<F>::integral_threshold);
}
template<typename F> inline F truncate_small(F x) { return copy_sign(static_cast<F>(static_cast<i64>(x)), x); }

template<typename F> inline F wasm_trunc(F x)
{
    F result;
    return rounds_to_itself(x, result) ? result : truncate_small(x);
}
// Rounding toward +infinity (ceil, step 1) or -infinity (floor, step -1): the truncation, moved
// one step when it went the other way.
template<typename F> inline F round_toward(F x, F step)
{
    F result;
    if (rounds_to_itself(x, result))
        return result;
    F t = truncate_small(x);
    if (step > F(0) ? t < x : t > x)
        t = t + step;
    return copy_sign(t, x);
}
template<typename F> inline F wasm_ceil(F x) { return round_toward(x, F(1)); }
template<typename F> inline F wasm_floor(F x) { return round_toward(x, F(-1)); }
// Round half to even: adding and subtracting 2^mantissa rounds in the default mode (nearest-even).
template<typename F> inline F wasm_nearest(F x)
{
    F result;
    if (rounds_to_itself(x, result))
        return result;
    F magnitude = float_abs(x);
    volatile F shifted = magnitude + FloatBits<F>::integral_threshold; // volatile: keep the rounding step
    F rounded = shifted - FloatBits<F>::integral_threshold;
    return copy_sign(rounded, x);
}

// Float -> integer conversions. `in_range` is false for NaN and for values whose truncation does not
// fit the target type.
template<typename I, typename F> inline bool truncation_in_range(F x);
template<> inline bool truncation_in_range<i32, f32>(f32 x) { return x >= -2147483648.0f && x < 2147483648.0f; }
template<> inline bool truncation_in_range<u32, f32>(f32 x) { return x > -1.0f && x < 4294967296.0f; }
template<> inline bool truncation_in_range<i64, f32>(f32 x) { return x >= -9223372036854775808.0f && x < 9223372036854775808.0f; }
template<> inline bool truncation_in_range<u64, f32>(f32 x) { return x > -1.0f && x < 18446744073709551616.0f; }
template<> inline bool truncation_in_range<i32, f64>(f64 x) { return x > -2147483649.0 && x < 2147483648.0; }
template<> inline bool truncation_in_range<u32, f64>(f64 x) { return x > -1.0 && x < 4294967296.0; }
template<> inline bool truncation_in_range<i64, f64>(f64 x) { return x >= -9223372036854775808.0 && x < 9223372036854775808.0; }
template<> inline bool truncation_in_range<u64, f64>(f64 x) { return x > -1.0 && x < 18446744073709551616.0; }

template<typename I, typename F> inline I saturating_truncate(F x)
{
    if (is_nan(x))
        return 0;
    if (truncation_in_range<I, F>(x))
        return static_cast<I>(x);
    return x < F(0) ? NumericLimits<I>::min() : NumericLimits<I>::max();
}

} // namespace ath::wasm
