#pragma once

// Hosted linear memories that never move, and regions shared through memfd.
//
// HostedLinearMemoryProvider reserves maximum + a guard with PROT_NONE on the first resize and
// commits pages with mprotect as the memory grows, so the base stays put and regions can be
// mapped into it (set StoreConfig::memory_provider). HostedPageMapper backs each Region with a
// memfd and maps it with mmap(MAP_FIXED | MAP_SHARED); unmapping puts anonymous zero pages back.
//
// Read-only mappings use PROT_READ. A read-only mapping made with a ReadOnlyWriteSink is entered in
// a fixed table that a SIGSEGV handler (installed on the first such mapping, chaining to the one
// before it) consults: a store into one of its pages replaces that page with
// mmap(MAP_PRIVATE | MAP_FIXED) of the same memfd page (copy-on-write: the store lands in a private
// copy, the region never changes) and tells the sink, which makes the Store trap. Any other fault
// goes to the previous handler (ASan's report, or the default: the process dies). See docs/ipc.md.
#include <kernel/lib/Result.h>
#include <kernel/object/PageMapper.h>
#include <kernel/object/ProcessObject.h>
#include <kernel/wasm/Runtime.h>

#include <signal.h>

namespace ath::hosted {

// A SIGSEGV this file resolves: a store into a read-only region mapping (private copy) or the
// first store into a dirty-tracked page (logged, writable again). Async-signal safe; every hosted
// SIGSEGV handler asks it first (HostedCodeMemory's too: a compiled store faults the same way).
bool resolve_linear_memory_write_fault(const siginfo_t* info);

// One reserved range: [base, base + reserved) is PROT_NONE except the committed prefix.
class LinearMemoryReservation final : public object::LinearMemoryAccess {
public:
    static constexpr u64 guard_bytes = u64(64) * 1024;

    static Result<LinearMemoryReservation> create(u64 maximum_bytes);
    LinearMemoryReservation(LinearMemoryReservation&& other);
    LinearMemoryReservation& operator=(LinearMemoryReservation&&) = delete;
    ~LinearMemoryReservation();

    // Grows the committed prefix to `bytes` (never shrinks). New bytes read as zero.
    ErrorOr commit(u64 bytes);

    u8* base() const { return m_base; }
    u64 committed() const { return m_committed; }
    Bytes linear_memory() override { return Bytes(m_base, m_committed); }

private:
    LinearMemoryReservation(u8* base, u64 reserved) : m_base(base), m_reserved(reserved) { }
    u8* m_base { nullptr };
    u64 m_reserved { 0 };
    u64 m_committed { 0 };
};

// Each memory reserves at least 8 GiB + a guard (address space only), so any Wasm access past its
// size faults: the compiled tier relies on it (guards_wasm32_accesses).
//
// Dirty tracking (kernel/wasm/Snapshot.h): track_writes makes the tracked pages PROT_READ and
// enters the memory in a fixed table that the same SIGSEGV handler consults; the first store into
// a tracked page makes it PROT_READ | PROT_WRITE again and logs it. A write the host kernel makes
// (read(2) into linear memory) is not a fault but EFAULT: hosted, only the Wasm code's and this
// process's own writes are seen, which is what the unit tests and bench/privacy exercise.
// Shrinking (a snapshot's restore) makes the pages past the new size PROT_NONE and drops them
// (MADV_DONTNEED), so a later grow reads zero.
class HostedLinearMemoryProvider final : public wasm::LinearMemoryProvider {
public:
    Result<u8*> resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes) override;
    void release(u8* base, u64 bytes, u64 maximum_bytes) override;
    bool guards_wasm32_accesses() const override { return true; }
    ErrorOr track_writes(u8* base, wasm::DirtyPageLog& log) override;
    u64 restore_written(u8* base, wasm::RestorePage restore, void* context) override;
    void untrack_writes(u8* base) override;

    // Memories tracked at once (all providers of the process).
    static constexpr usize max_tracked_memories = 256;
    // Write faults taken by tracked pages since the process started.
    static u64 tracked_write_faults();
};

class HostedPageMapper final : public object::PageMapper {
public:
    Result<object::RegionPages> create_pages(u64 size) override;
    void destroy_pages(object::RegionPages& pages) override;
    ErrorOr map(const object::RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable,
                const object::ReadOnlyWriteSink* sink = nullptr) override;
    ErrorOr unmap(u8* destination, u64 length) override;
    void revert_read_only_copies(u8* destination) override;

    // Read-only mappings with a sink that can exist at once (all mappers of the process).
    static constexpr usize max_read_only_mappings = 256;
    // Pages given a private copy by a store into a read-only mapping since the process started.
    static u64 read_only_copies();
};

} // namespace ath::hosted
