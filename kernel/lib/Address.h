#pragma once

// Distinct types for physical and virtual addresses so one cannot be passed for the other.
// <compare>: the defaulted operator<=> below needs std::strong_ordering (the kernel build gets it
// from kernel/runtime/include/compare).
#include <compare>

#include "Bits.h"
#include "Types.h"

namespace ath {

template<typename Tag>
class Address {
public:
    constexpr Address() = default;
    constexpr explicit Address(u64 value) : m_value(value) { }

    constexpr u64 get() const { return m_value; }
    // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): m_value always has a value; the analyzer reaches here only through its TRY early-return false positive (a destructor run for a result never made)
    constexpr bool is_null() const { return m_value == 0; }

    constexpr Address offset(u64 delta) const { return Address(m_value + delta); }
    constexpr Address align_down(u64 alignment) const { return Address(ath::align_down(m_value, alignment)); }
    constexpr Address align_up(u64 alignment) const { return Address(ath::align_up(m_value, alignment)); }
    constexpr bool is_aligned(u64 alignment) const { return ath::is_aligned(m_value, alignment); }

    constexpr u64 operator-(Address other) const { return m_value - other.m_value; }
    constexpr auto operator<=>(const Address&) const = default;

    template<typename T>
    T* as_ptr() const { return reinterpret_cast<T*>(static_cast<uptr>(m_value)); }

private:
    u64 m_value { 0 };
};

struct PhysicalAddressTag;
struct VirtualAddressTag;
using PhysicalAddress = Address<PhysicalAddressTag>;
using VirtualAddress = Address<VirtualAddressTag>;

inline constexpr u64 page_size = 4096;

} // namespace ath
