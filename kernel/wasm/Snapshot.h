#pragma once

// Instant reset (issue 21, docs/privacy.md): an instance's state captured once and put back later,
// so a module forgets everything it did since, without a new instantiation.
//
// capture() copies what the instance's code can change: every linear memory (each non-zero 4 KiB
// page; zero pages cost nothing), its size, every table's elements and size, every mutable
// global, and which data and element segments are dropped. When the memory's provider can track
// writes (LinearMemoryProvider::track_writes: the kernel's and the hosted provider), the memory is
// write-protected after the copy and the first write to each page is logged; restore() then copies
// back only the logged pages, so its cost follows the pages the module dirtied, not the memory's
// size. Without tracking (an allocator-backed memory) restore() copies every page.
//
// restore() also gives back pages and table elements added since capture (memory.grow and
// table.grow are undone, the Store's ResourceLimiter is told). No Wasm code may run in the Store
// during capture() or restore(); the embedder stops it first (booted: kernel/process, Process::reset).
// What lives outside the instance (handles, host state, other Stores) is the embedder's to reset.
#include <kernel/wasm/Runtime.h>

namespace ath::wasm {

struct SnapshotRestoreStats {
    u64 pages_restored { 0 };  // 4 KiB pages copied back (or zeroed)
    u64 pages_released { 0 };  // 4 KiB pages given back because the memory had grown
    bool tracked { false };    // every memory had dirty tracking (else some were copied whole)
};

class InstanceSnapshot {
public:
    // OutOfMemory when the Store's allocator cannot hold the copy; Unsupported for an instance
    // with more than one memory whose tracking fails half-way (nothing is left tracked then).
    static Result<InstanceSnapshot*> capture(Store& store, Instance& instance);
    // Stops the tracking and frees the copy (the instance itself stays as it is).
    static void destroy(InstanceSnapshot* snapshot);

    // Puts the captured state back. Fails only when a grown memory cannot be shrunk (the
    // provider refused); the memory is then left as it was and the caller should end the instance.
    ErrorOr restore(SnapshotRestoreStats* stats = nullptr);

    // Every memory has dirty tracking.
    bool tracks_writes() const;
    // Bytes the snapshot holds (copies of non-zero pages, logs, tables, globals).
    u64 footprint_bytes() const;

    struct Data;

private:
    explicit InstanceSnapshot(Data* data) : m_data(data) { }
    Data* m_data { nullptr };
};

} // namespace ath::wasm
