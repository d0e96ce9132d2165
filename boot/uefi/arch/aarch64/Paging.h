#pragma once

// aarch64 stage-1 translation tables, 4 KiB granule, 48-bit virtual addresses (levels 0-3).
// The loader builds ONE root and installs it in both TTBR0_EL1 (identity map of low memory)
// and TTBR1_EL1 (direct map and kernel in the top half): with T0SZ = T1SZ = 16 both halves are
// indexed by VA[47:39], and the halves use disjoint level-0 slots (identity: 0, direct map: 256,
// kernel: 511). The only side effect is that low VAs 0x0000_8000_0000_0000.. alias the direct
// map until the kernel installs its own tables. Leaves use 1 GiB / 2 MiB blocks where aligned;
// table descriptors are permissive and each leaf carries the real permissions (AP[2], PXN/UXN).
#include "../../PageAllocator.h"

#include <kernel/lib/Optional.h>

namespace ath::boot::arch {

// MAIR_EL1 attribute slots the descriptors index: 0 = normal write-back, 1 = Device-nGnRE.
inline constexpr u64 mair_value = 0xFF | (0x04 << 8);

struct Translation {
    u64 physical;
    u64 page_size;
    PagePermissions permissions;
};

class PageTableBuilder {
public:
    static Result<PageTableBuilder> create(PageAllocator& allocator, bool allow_1g_pages, bool use_no_execute);

    // Same contract as on every arch: 4 KiB aligned, inside one half (below 2^48 or at/above
    // 0xFFFF000000000000); AlreadyExists for a page mapped to a different frame; mapping the
    // same frame again merges permissions.
    ErrorOr map(u64 virtual_address, u64 physical, u64 size, PagePermissions permissions);

    Optional<Translation> translate(u64 virtual_address) const;
    u64 root() const { return m_root; }

private:
    PageTableBuilder(PageAllocator& allocator, u64 root, bool allow_1g_pages, bool use_no_execute)
        : m_allocator(&allocator), m_root(root), m_allow_1g_pages(allow_1g_pages), m_use_no_execute(use_no_execute)
    {
    }
    ErrorOr map_one(u64 virtual_address, u64 physical, u64 page_size, PagePermissions permissions);

    PageAllocator* m_allocator;
    u64 m_root;
    bool m_allow_1g_pages;
    bool m_use_no_execute;
};

} // namespace ath::boot::arch
