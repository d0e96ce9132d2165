#pragma once

// The riscv64 loader's page-table format: the kernel's entry format for riscv64
// (kernel/arch/riscv64/PageTableFormat.h) plus what GenericPageTableBuilder (../../PageTableBuilder.h)
// asks of a LoaderFormat: which ranges are valid, the physical limit, and how permissions are
// written and read back. Its own name, so tests can hold every arch's format at once.
#include "../../PageAllocator.h"

#include <kernel/arch/riscv64/PageTableFormat.h>

namespace ath::boot {

struct Riscv64LoaderFormat : riscv64::PageTableFormat {
    // same_half: the kernel format's canonical-halves rule.
    static constexpr u64 leaf_attributes(PagePermissions permissions, u64 virtual_address, bool use_no_execute)
    {
        return valid | readable | accessed | dirty | (permissions.writable ? writable : 0)
            | (permissions.executable || !use_no_execute ? executable : 0) | (virtual_address >> 47 ? global : 0);
    }
    static constexpr PagePermissions permissions_of(u64 attributes)
    {
        return { (attributes & writable) != 0, (attributes & executable) != 0 };
    }
};

} // namespace ath::boot
