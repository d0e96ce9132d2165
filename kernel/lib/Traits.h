#pragma once

// The handful of type traits and utilities the freestanding kernel needs (no libc++ there).
#include "Types.h"

namespace ath {

template<typename T> struct RemoveReference { using Type = T; };
template<typename T> struct RemoveReference<T&> { using Type = T; };
template<typename T> struct RemoveReference<T&&> { using Type = T; };
template<typename T> using RemoveReferenceT = typename RemoveReference<T>::Type;

template<typename T> struct RemoveConst { using Type = T; };
template<typename T> struct RemoveConst<const T> { using Type = T; };
template<typename T> using RemoveConstT = typename RemoveConst<T>::Type;

template<typename T> using RemoveCvRefT = __remove_cvref(T);

template<typename A, typename B> inline constexpr bool IsSame = false;
template<typename A> inline constexpr bool IsSame<A, A> = true;

template<typename T> inline constexpr bool IsLvalueReference = false;
template<typename T> inline constexpr bool IsLvalueReference<T&> = true;

template<typename T> inline constexpr bool IsIntegral = __is_integral(T);
template<typename T> inline constexpr bool IsSigned = __is_signed(T);
template<typename T> inline constexpr bool IsEnum = __is_enum(T);
template<typename T> inline constexpr bool IsPointer = __is_pointer(T);
template<typename T> inline constexpr bool IsTriviallyCopyable = __is_trivially_copyable(T);
template<typename T> inline constexpr bool IsTriviallyDestructible = __is_trivially_destructible(T);
template<typename T> using UnderlyingType = __underlying_type(T);

template<typename A, typename B> concept SameAs = IsSame<A, B> && IsSame<B, A>;
template<typename T> concept Integral = IsIntegral<T>;
template<typename T> concept UnsignedIntegral = IsIntegral<T> && !IsSigned<T>;
template<typename T> concept SignedIntegral = IsIntegral<T> && IsSigned<T>;

template<typename T>
constexpr RemoveReferenceT<T>&& move(T&& value) noexcept
{
    return static_cast<RemoveReferenceT<T>&&>(value);
}

template<typename T>
constexpr T&& forward(RemoveReferenceT<T>& value) noexcept
{
    return static_cast<T&&>(value);
}

template<typename T>
constexpr T&& forward(RemoveReferenceT<T>&& value) noexcept
{
    static_assert(!IsLvalueReference<T>, "cannot forward an rvalue as an lvalue");
    return static_cast<T&&>(value);
}

template<typename T, typename U = T>
constexpr T exchange(T& slot, U&& replacement)
{
    T old = move(slot);
    slot = forward<U>(replacement);
    return old;
}

template<typename T>
constexpr void swap(T& a, T& b)
{
    T tmp = move(a);
    a = move(b);
    b = move(tmp);
}

template<typename T> constexpr T min(T a, T b) { return b < a ? b : a; }
template<typename T> constexpr T max(T a, T b) { return a < b ? b : a; }
template<typename T> constexpr T clamp(T v, T lo, T hi) { return v < lo ? lo : (hi < v ? hi : v); }

// Limits of integer types, computed rather than tabulated.
template<Integral T>
struct NumericLimits {
    static constexpr T max()
    {
        if constexpr (IsSigned<T>)
            return static_cast<T>(~static_cast<T>(0) ^ (static_cast<T>(1) << (sizeof(T) * 8 - 1)));
        else
            return static_cast<T>(~static_cast<T>(0));
    }
    static constexpr T min()
    {
        if constexpr (IsSigned<T>)
            return static_cast<T>(-max() - 1);
        else
            return 0;
    }
};

// Reinterpret the bytes of one trivially copyable type as another of the same size.
template<typename To, typename From>
constexpr To bit_cast(const From& from)
{
    static_assert(sizeof(To) == sizeof(From), "bit_cast needs equal sizes");
    static_assert(IsTriviallyCopyable<To> && IsTriviallyCopyable<From>);
    return __builtin_bit_cast(To, from);
}

template<typename T, usize N>
constexpr usize array_size(const T (&)[N]) { return N; }

} // namespace ath
