#pragma once

// RISC-V Sv48 page tables (4 levels, 48-bit virtual addresses sign-extended from bit 47, like
// x86_64's canonical halves, so one root holds the identity map and the higher half). Leaves use
// the largest size the alignment allows (1 GiB, 2 MiB, 4 KiB); non-leaf entries carry only V and
// each leaf has the real permissions (R, W, X), A and D preset (the CPU may fault instead of
// setting them) and G for the kernel half.
#include "../../PageAllocator.h"

#include <kernel/lib/Optional.h>

namespace ath::boot::arch {

struct Translation {
    u64 physical;
    u64 page_size;
    PagePermissions permissions;
};

class PageTableBuilder {
public:
    static Result<PageTableBuilder> create(PageAllocator& allocator, bool allow_1g_pages, bool use_no_execute);

    // Same contract as on every arch: 4 KiB aligned, canonical, inside one half; AlreadyExists
    // for a page mapped to a different frame; mapping the same frame again merges permissions.
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
