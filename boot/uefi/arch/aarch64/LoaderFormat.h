#pragma once

// The aarch64 loader's page-table format: the kernel's entry format for aarch64
// (kernel/arch/aarch64/PageTableFormat.h) plus what GenericPageTableBuilder (../../PageTableBuilder.h)
// asks of a LoaderFormat: which ranges are valid, the physical limit, and how permissions are
// written and read back. Its own name, so tests can hold every arch's format at once.
#include "../../PageAllocator.h"

#include <kernel/arch/aarch64/PageTableFormat.h>

namespace ath::boot {

struct Aarch64LoaderFormat : aarch64::PageTableFormat {
    // Below 2^48 (TTBR0) or at/above upper_half (TTBR1), both ends in the same one.
    static constexpr bool same_half(u64 first, u64 last)
    {
        return in_one_half(first) && in_one_half(last) && (first >= upper_half) == (last >= upper_half);
    }
    static constexpr u64 leaf_attributes(PagePermissions permissions, u64, bool use_no_execute)
    {
        return valid | attribute_normal | inner_shareable | access_flag | unprivileged_no_execute
            | (permissions.writable ? 0 : read_only)
            | (!permissions.executable && use_no_execute ? privileged_no_execute : 0);
    }
    static constexpr PagePermissions permissions_of(u64 attributes)
    {
        return { (attributes & read_only) == 0, (attributes & privileged_no_execute) == 0 };
    }
};

} // namespace ath::boot
