#pragma once

// The aarch64 stage-1 translation-table descriptor (4 KiB granule, 48-bit VAs, 4 levels), for the
// generic walker (kernel/arch/common/PageTable.h). Shared by the kernel's Mmu and the UEFI
// loader; pure constants and bit arithmetic, so hosted tests can use it on any host.
//
// The architecture numbers the levels from the root (level 0) to the pages (level 3); the walker
// counts from the leaf, so its level 0 is the architecture's level 3 and its level 3 the root.
#include <kernel/lib/Types.h>

namespace ath::aarch64 {

struct PageTableFormat {
    static constexpr int levels = 4;
    static constexpr int index_bits = 9;
    static constexpr int page_shift = 12;

    static constexpr u64 valid = 1ULL << 0;
    static constexpr u64 table_or_page = 1ULL << 1; // set: table (above the leaf level) or page; clear: block
    static constexpr u64 attribute_normal = 0ULL << 2; // MAIR slot 0: normal write-back
    static constexpr u64 attribute_device = 1ULL << 2; // MAIR slot 1: Device-nGnRE
    static constexpr u64 attribute_non_cacheable = 2ULL << 2; // MAIR slot 2: normal non-cacheable
    static constexpr u64 read_only = 1ULL << 7; // AP[2]
    static constexpr u64 inner_shareable = 3ULL << 8;
    static constexpr u64 access_flag = 1ULL << 10;
    static constexpr u64 privileged_no_execute = 1ULL << 53;
    static constexpr u64 unprivileged_no_execute = 1ULL << 54;
    static constexpr u64 address_mask = 0x0000FFFFFFFFF000ULL;

    static constexpr bool is_present(u64 entry) { return entry & valid; }
    static constexpr bool is_leaf(u64 entry, int level) { return level == 0 || !(entry & table_or_page); }
    static constexpr u64 address_of(u64 entry) { return entry & address_mask; }
    // Tables are permissive; each leaf carries the real permissions.
    static constexpr u64 table_entry(u64 table) { return (table & address_mask) | valid | table_or_page; }
    // `attributes` are a leaf's bits without the page/block distinction, which the level decides.
    static constexpr u64 leaf_entry(u64 physical, u64 attributes, int level)
    {
        return (physical & address_mask) | (attributes & ~address_mask & ~table_or_page)
            | (level == 0 ? table_or_page : 0);
    }
    static constexpr u64 attributes_of(u64 leaf, int) { return leaf & ~address_mask & ~table_or_page; }

    // TTBR0 covers [0, 2^48), TTBR1 [upper_half, 2^64).
    static constexpr u64 upper_half = 0xFFFF000000000000ULL;
    static constexpr bool in_one_half(u64 address) { return address < (1ULL << 48) || address >= upper_half; }
    static constexpr u64 physical_limit = 1ULL << 48;
};

// What the walker relies on, checked once: a leaf keeps its frame and attributes at every level, a
// block is marked as one, a 4 KiB page is a page descriptor, and a table entry is not a leaf.
namespace page_table_format_checks {
using F = PageTableFormat;
static_assert(F::address_of(F::leaf_entry(0x40000000, F::valid, 2)) == 0x40000000);
static_assert(F::is_leaf(F::leaf_entry(0x200000, F::valid, 1), 1) && !F::is_leaf(F::table_entry(0x1000), 1));
static_assert((F::leaf_entry(0x1000, F::valid, 0) & 3) == 3);
static_assert(F::attributes_of(F::leaf_entry(0x200000, F::valid | F::read_only | F::privileged_no_execute, 1), 1)
              == (F::valid | F::read_only | F::privileged_no_execute));
} // namespace page_table_format_checks

} // namespace ath::aarch64
