#pragma once

// What the object layer needs from the arch to share pages: make a set of zeroed pages, map them
// into a linear memory in place of what was there, and put private zeroed pages back. The kernel
// does this with page tables; the hosted build with memfd + mmap(MAP_FIXED)
// (kernel/arch/hosted/HostedLinearMemory.h).
#include <kernel/lib/Address.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Types.h>

namespace ath::object {

struct RegionPages {
    u64 token { 0 };              // the arch's name for the pages (hosted: a memfd)
    u64 size { 0 };               // bytes, a multiple of page_size
    u8* kernel_view { nullptr };  // the pages as the kernel sees them (for kernel-side rings)
};

class PageMapper {
public:
    virtual Result<RegionPages> create_pages(u64 size) = 0;
    virtual void destroy_pages(RegionPages& pages) = 0;
    // Replaces [destination, destination + length) with pages [offset, offset + length) of
    // `pages`. Both page aligned. Read-only mappings must fault on write (see docs/ipc.md).
    virtual ErrorOr map(const RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable) = 0;
    // Puts private, zeroed, writable pages back at [destination, destination + length).
    virtual ErrorOr unmap(u8* destination, u64 length) = 0;

protected:
    ~PageMapper() = default;
};

} // namespace ath::object
