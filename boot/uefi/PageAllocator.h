#pragma once

// Where page tables come from. The loader hands out firmware pages (physical == loader-virtual
// while boot services run); the hosted tests hand out heap pages and treat their host address as
// the "physical" one.
#include <kernel/lib/Result.h>

namespace ath::boot {

class PageAllocator {
public:
    // A zero-filled, 4 KiB aligned page; returns its physical address.
    virtual Result<u64> allocate_zeroed_page() = 0;
    // Where the loader can write the page at `physical`.
    virtual u64* page_at(u64 physical) = 0;

protected:
    ~PageAllocator() = default;
};

struct PagePermissions {
    bool writable;
    bool executable;
};

} // namespace ath::boot
