#pragma once

// What the object layer needs from the arch to share pages: make a set of zeroed pages, map them
// into a linear memory in place of what was there, and put private zeroed pages back. The kernel
// does this with page tables; the hosted build with memfd + mmap(MAP_FIXED)
// (kernel/platform/hosted/HostedLinearMemory.h).
#include <kernel/lib/Address.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Types.h>

namespace ath::object {

// Who pays for a store into a read-only mapping. The arch's fault handler gives the writing
// linear memory a private copy of that one page (the region never changes), then calls
// notify(context), which makes the Store that owns the memory trap at its next safepoint
// (wasm::Store::request_trap, TrapKind::ReadOnlyWrite). notify runs in fault context (hosted: a
// SIGSEGV handler; kernel: the page-fault handler): no locks, no allocation.
struct ReadOnlyWriteSink {
    void (*notify)(void* context) { nullptr };
    void* context { nullptr };
};

// Does [address, address + length) touch a read-only mapping (with a sink)? The mapper that makes
// them installs the answer (one per build: hosted or kernel); GuestMemory asks before the kernel
// writes a syscall's out-parameter into a module's memory, so such a write is E_FAULT and changes
// nothing instead of a fault. Lock-free for the caller when no read-only mapping exists.
using ReadOnlyQuery = bool (*)(const u8* address, u64 length);
inline ReadOnlyQuery g_read_only_query = nullptr;
inline void set_read_only_query(ReadOnlyQuery query) { __atomic_store_n(&g_read_only_query, query, __ATOMIC_RELEASE); }
inline bool touches_read_only_mapping(const u8* address, u64 length)
{
    ReadOnlyQuery query = __atomic_load_n(&g_read_only_query, __ATOMIC_ACQUIRE);
    return query && length != 0 && query(address, length);
}

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
    // `pages`. Both page aligned. A read-only mapping (writable false) needs a `sink` that outlives
    // it: a store into one of its pages gets a private copy of the page and `sink` is told (see
    // ReadOnlyWriteSink, docs/ipc.md); without a sink such a store is a fatal fault, as any other.
    virtual ErrorOr map(const RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable,
                        const ReadOnlyWriteSink* sink = nullptr)
        = 0;
    // Puts private, zeroed, writable pages back at [destination, destination + length) (the
    // private copies made by writes into a read-only mapping go too).
    virtual ErrorOr unmap(u8* destination, u64 length) = 0;
    // Puts the region's read-only pages back under a read-only mapping starting at `destination`
    // wherever a store gave the memory a private copy (after the writer trapped), so it sees the
    // region again. Nothing happens for other addresses.
    virtual void revert_read_only_copies(u8* destination) = 0;

protected:
    ~PageMapper() = default;
};

} // namespace ath::object
