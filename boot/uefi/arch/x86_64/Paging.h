#pragma once

// x86_64 4-level page tables (PML4 -> PDPT -> PD -> PT). Leaves use the largest size the
// alignment allows (1 GiB when the CPU has pdpe1gb, 2 MiB, 4 KiB); the non-leaf entries are
// permissive and each leaf carries the real permissions (write, no-execute).
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
    // Without `use_no_execute` (CPU lacks NX) every page is executable: the bit would be reserved.
    static Result<PageTableBuilder> create(PageAllocator& allocator, bool allow_1g_pages, bool use_no_execute);

    // Maps [virtual_address, +size) to [physical, +size). All three must be 4 KiB aligned and the
    // virtual range canonical. Fails with AlreadyExists when a page there is already mapped to a
    // different frame; mapping the same frame again merges the permissions (write and execute
    // become allowed if either mapping allows them), which is how two ELF segments share a page.
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
