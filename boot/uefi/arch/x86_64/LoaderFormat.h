#pragma once

// The x86_64 loader's page-table format: the kernel's entry format for x86_64
// (kernel/arch/x86_64/PageTableFormat.h) plus what GenericPageTableBuilder (../../PageTableBuilder.h)
// asks of a LoaderFormat: which ranges are valid, the physical limit, and how permissions are
// written and read back. Its own name, so tests can hold every arch's format at once.
#include "../../PageAllocator.h"

#include <kernel/arch/x86_64/PageTableFormat.h>

namespace ath::boot {

struct X86_64LoaderFormat : x86_64::PageTableFormat {
    // same_half: the kernel format's canonical-halves rule.
    static constexpr u64 leaf_attributes(PagePermissions permissions, u64, bool use_no_execute)
    {
        return present | (permissions.writable ? writable : 0)
            | (!permissions.executable && use_no_execute ? no_execute : 0);
    }
    static constexpr PagePermissions permissions_of(u64 attributes)
    {
        return { (attributes & writable) != 0, (attributes & no_execute) == 0 };
    }
};

} // namespace ath::boot
