#pragma once

// Platform seam: where the Wasm engine (kernel/wasm) gets its memory. Implementations:
//   kernel  kernel/platform/kernel/KernelAllocator.h (kernel heap, charged to a process) and
//           KernelLinearMemory.h (reserved 4 GiB + guard windows, pages committed in place)
//   hosted  kernel/platform/hosted/HostedSupport.h (malloc) and HostedLinearMemory.h (mmap)
#include <kernel/lib/Allocator.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Types.h>

namespace ath::wasm {

// Pages of a linear memory written since dirty tracking started (instant reset,
// kernel/wasm/Snapshot.h). The snapshot owns the storage (charged to its Store's allocator), so a
// provider records into it from its write-fault path without allocating: `written` holds one bit
// per page, `pages` the indices of the set bits in the order they were first written.
struct DirtyPageLog {
    static constexpr u64 page_bytes = 4096; // the tracking granule on every platform
    u64* written { nullptr };               // (page_count + 63) / 64 words
    u32* pages { nullptr };                 // page_count entries
    u64 page_count { 0 };                   // pages tracked: [base, base + page_count * page_bytes)
    u64 count { 0 };                        // entries of `pages` in use

    bool is_written(u64 page) const { return (written[page / 64] >> (page % 64)) & 1; }
    // Records `page` once; false when it was recorded already (or lies outside the log).
    bool record(u64 page)
    {
        if (page >= page_count || is_written(page))
            return false;
        written[page / 64] |= u64(1) << (page % 64);
        pages[count++] = static_cast<u32>(page);
        return true;
    }
};

// Puts page `page` (DirtyPageLog::page_bytes bytes at base + page * page_bytes) back as it was.
using RestorePage = void (*)(void* context, u64 page);

// Where the engine gets its memory: the kernel core's one allocator interface (kernel/lib/Allocator.h).
using Allocator = ::ath::Allocator;

// Backing storage of a linear memory. The hosted default (used when StoreConfig::memory_provider
// is null) copies into a fresh allocation from the Allocator on grow. The kernel can instead
// reserve `maximum_bytes` (+ guard pages) of virtual space once and commit pages in place, so the
// base never moves. Bytes in [old_bytes, new_bytes) must read as zero after a successful resize.
// A resize to fewer bytes (only a snapshot's restore asks for one: Wasm memories never shrink)
// gives the pages past new_bytes back; a later grow sees them zeroed again.
class LinearMemoryProvider {
public:
    // First call: current == nullptr, old_bytes == 0. Returns the (possibly new) base.
    virtual Result<u8*> resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes) = 0;
    virtual void release(u8* base, u64 bytes, u64 maximum_bytes) = 0;
    // Whether every access at or past the memory's current size and below base + 8 GiB faults:
    // the reservation and its guard span 8 GiB. The compiled tier (kernel/wasm/NativeTier.h)
    // needs this; it emits no bounds checks (an index is any u32, and an access whose offset and
    // width alone pass 4 GiB traps without touching memory, so none reaches base + 8 GiB).
    virtual bool guards_wasm32_accesses() const { return false; }

    // Dirty tracking (instant reset, kernel/wasm/Snapshot.h). track_writes write-protects the
    // `log.page_count` pages at `base` and from then on records in `log` the first write to each
    // (a write fault per page, whoever writes: Wasm code or the kernel on the module's behalf);
    // Unsupported when this provider cannot. restore_written calls `restore` for every page
    // recorded since (the page is writable during the call), then write-protects those pages
    // again and empties the log: its cost is the pages written, not the memory's size.
    // untrack_writes stops it (release() does too). Pages added by a later grow are not tracked;
    // a shrink (resize to fewer bytes) must precede restore_written when the memory grew.
    virtual ErrorOr track_writes(u8* base, DirtyPageLog& log)
    {
        (void)base;
        (void)log;
        return Error::from(ErrorCode::Unsupported, "this linear memory provider has no dirty tracking");
    }
    virtual u64 restore_written(u8* base, RestorePage restore, void* context)
    {
        (void)base;
        (void)restore;
        (void)context;
        return 0;
    }
    virtual void untrack_writes(u8* base) { (void)base; }

protected:
    ~LinearMemoryProvider() = default;
};

// Executable memory for the compiled tier (W^X: code is written while the pages are read-write,
// then they become read-execute; never both). Implementations: hosted
// kernel/platform/hosted/HostedCodeMemory.h (mmap/mprotect, SIGSEGV mapping); booted
// kernel/platform/kernel/KernelCodeMemory.h (its own window, the exception handlers' fault hook).
class CodeMemoryProvider {
public:
    // Fresh read-write (not executable) pages for `bytes` of code.
    virtual Result<u8*> allocate(usize bytes) = 0;
    // Makes [code, code + bytes) read-execute (no longer writable). From then on a memory fault
    // whose instruction pointer lies in that range resumes at `fault_landing` (the code's
    // out-of-bounds trap path) with every register as at the fault.
    virtual ErrorOr make_executable(u8* code, usize bytes, const u8* fault_landing) = 0;
    virtual void release(u8* code, usize bytes) = 0;

protected:
    ~CodeMemoryProvider() = default;
};

} // namespace ath::wasm
