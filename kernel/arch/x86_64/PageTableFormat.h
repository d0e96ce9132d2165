#pragma once

// The x86_64 4-level page-table entry (PML4 -> PDPT -> PD -> PT), for the generic walker
// (kernel/arch/common/PageTable.h). Shared by the kernel's Mmu and the UEFI loader; pure
// constants and bit arithmetic, so hosted tests can use it on any host.
#include <kernel/arch/common/PageTable.h>

namespace ath::x86_64 {

// 48-bit virtual addresses sign-extended from bit 47, in two canonical halves.
struct PageTableFormat : paging::CanonicalHalves<48> {
    static constexpr int levels = 4; // level 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT
    static constexpr int index_bits = 9;
    static constexpr int page_shift = 12;

    static constexpr u64 present = 1ULL << 0;
    static constexpr u64 writable = 1ULL << 1;
    static constexpr u64 write_through = 1ULL << 3;
    static constexpr u64 cache_disable = 1ULL << 4;
    static constexpr u64 accessed = 1ULL << 5;
    static constexpr u64 dirty = 1ULL << 6;
    static constexpr u64 huge = 1ULL << 7; // PS: this PDPT/PD entry is a leaf (1 GiB / 2 MiB)
    static constexpr u64 global = 1ULL << 8;
    static constexpr u64 no_execute = 1ULL << 63;
    static constexpr u64 address_mask = 0x000FFFFFFFFFF000ULL;
    // The leaf bits that survive a split or a permission change (hardware A/D bits do not).
    static constexpr u64 attribute_mask = present | writable | write_through | cache_disable | global | no_execute;

    static constexpr bool is_present(u64 entry) { return entry & present; }
    static constexpr bool is_leaf(u64 entry, int level) { return level == 0 || (entry & huge); }
    static constexpr u64 address_of(u64 entry) { return entry & address_mask; }
    // Tables are permissive; each leaf carries the real permissions.
    static constexpr u64 table_entry(u64 table) { return (table & address_mask) | present | writable; }
    static constexpr u64 leaf_entry(u64 physical, u64 attributes, int level)
    {
        return (physical & address_mask) | (attributes & attribute_mask) | (level > 0 ? huge : 0);
    }
    static constexpr u64 attributes_of(u64 leaf, int) { return leaf & attribute_mask; }

    static constexpr u64 physical_limit = 1ULL << 52;
};

// What the walker relies on, checked once: a leaf keeps its frame and attributes at every level, a
// large leaf is marked as one, and a table entry is not a leaf.
namespace page_table_format_checks {
using F = PageTableFormat;
static_assert(F::address_of(F::leaf_entry(0x40000000, F::present, 2)) == 0x40000000);
static_assert(F::is_leaf(F::leaf_entry(0x200000, F::present, 1), 1) && !F::is_leaf(F::table_entry(0x1000), 1));
static_assert(F::attributes_of(F::leaf_entry(0x200000, F::attribute_mask, 1), 1) == F::attribute_mask);
} // namespace page_table_format_checks

} // namespace ath::x86_64
