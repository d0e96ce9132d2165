#pragma once

// The RISC-V Sv48 page-table entry (4 levels, 48-bit VAs sign-extended from bit 47), for the
// generic walker (kernel/arch/common/PageTable.h). Shared by the kernel's Mmu and the UEFI
// loader; pure constants and bit arithmetic, so hosted tests can use it on any host.
#include <kernel/arch/common/PageTable.h>

namespace ath::riscv64 {

// 48-bit virtual addresses sign-extended from bit 47, in two canonical halves.
struct PageTableFormat : paging::CanonicalHalves<48> {
    static constexpr int levels = 4; // level 3 is the root, level 0 holds 4 KiB pages
    static constexpr int index_bits = 9;
    static constexpr int page_shift = 12;

    static constexpr u64 valid = 1ULL << 0;
    static constexpr u64 readable = 1ULL << 1;
    static constexpr u64 writable = 1ULL << 2;
    static constexpr u64 executable = 1ULL << 3;
    static constexpr u64 global = 1ULL << 5;
    static constexpr u64 accessed = 1ULL << 6;
    static constexpr u64 dirty = 1ULL << 7;
    static constexpr u64 leaf_bits = readable | writable | executable;
    static constexpr u64 flags_mask = 0x3FF;
    static constexpr u64 ppn_mask = (1ULL << 44) - 1;

    static constexpr u64 physical_of(u64 entry) { return ((entry >> 10) & ppn_mask) << 12; }
    static constexpr u64 entry_for(u64 physical) { return (physical >> 12) << 10; }

    static constexpr bool is_present(u64 entry) { return entry & valid; }
    // A valid entry with R, W or X set is a leaf at any level; without, it points to a table.
    static constexpr bool is_leaf(u64 entry, int) { return (entry & leaf_bits) != 0; }
    static constexpr u64 address_of(u64 entry) { return physical_of(entry); }
    static constexpr u64 table_entry(u64 table) { return entry_for(table) | valid; }
    static constexpr u64 leaf_entry(u64 physical, u64 attributes, int) { return entry_for(physical) | (attributes & flags_mask); }
    static constexpr u64 attributes_of(u64 leaf, int) { return leaf & flags_mask; }

    static constexpr u64 physical_limit = 1ULL << 56;
};

// What the walker relies on, checked once: a leaf keeps its frame and attributes at every level,
// and a table entry (V only) is not a leaf.
namespace page_table_format_checks {
using F = PageTableFormat;
static_assert(F::address_of(F::leaf_entry(0x40000000, F::valid | F::readable, 2)) == 0x40000000);
static_assert(F::is_leaf(F::leaf_entry(0x200000, F::valid | F::readable, 1), 1) && !F::is_leaf(F::table_entry(0x1000), 1));
static_assert(F::attributes_of(F::leaf_entry(0x200000, F::valid | F::writable | F::dirty, 1), 1)
              == (F::valid | F::writable | F::dirty));
} // namespace page_table_format_checks

} // namespace ath::riscv64
