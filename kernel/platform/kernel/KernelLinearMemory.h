#pragma once

// Linear memories in the kernel: each one gets a linear-memory reservation (4 GiB + 4 GiB guard,
// kernel/mm/LinearMemoryReservations.h) on its first resize, and growing maps zeroed frames into
// the front of it, so the base never moves and an access past the end faults on an unmapped page.
// release() unmaps and frees every frame and returns the reservation: the free-frame count goes
// back to where it was before the memory existed.
#include <kernel/object/PageMapper.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

class KernelLinearMemory final : public wasm::LinearMemoryProvider {
public:
    // Growing is refused (like an allocator that said no) when it would leave fewer free frames than
    // this: a module that grows until refused must not starve the kernel heap or page tables.
    // The same floor holds for everything the kernel takes on a module's behalf: region pages
    // (KernelPageMapper) and the kernel heap of its Store (AccountedAllocator).
    static constexpr u64 reserved_frames = (16ull << 20) / 4096;
    // Whether `frames` more can be taken for a module and still leave reserved_frames free.
    static bool leaves_reserve(u64 frames);

    Result<u8*> resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes) override;
    void release(u8* base, u64 bytes, u64 maximum_bytes) override;
    // Dirty tracking (instant reset, kernel/wasm/Snapshot.h): the tracked pages' entries lose
    // their write permission; the write-fault hook (kernel/arch/common/WriteFaultHook.h, the same
    // one read-only region mappings use) gives it back on the first write to a page and logs the
    // page, whether Wasm code or the kernel (a WASI read into the module's memory) wrote. A region
    // mapping undone over tracked pages logs them too (their zeroed private frames come back
    // writable). At most 64 memories at once.
    ErrorOr track_writes(u8* base, wasm::DirtyPageLog& log) override;
    u64 restore_written(u8* base, wasm::RestorePage restore, void* context) override;
    void untrack_writes(u8* base) override;
    // Write faults taken by tracked pages since boot.
    static u64 tracked_write_faults();
    // 4 GiB + a 4 GiB guard: the compiled tier may run on these memories.
    bool guards_wasm32_accesses() const override { return true; }

    static KernelLinearMemory& instance();
    // Frames currently committed to linear memories (all processes).
    static u64 committed_frames();
};

// Regions (kernel/object/Region.h) for the kernel's linear memories: a region is a run of
// physically contiguous zeroed frames (the kernel sees it through the direct map). map() replaces
// the page-table entries of a page-aligned range of a linear memory with the region's frames; the
// private frames that were there are parked (not freed), and unmap() puts them back zeroed, so
// unmapping can never run out of memory and a linear memory's frame count is the same before and
// after. Every PTE change is followed by a TLB flush of the range on every arch (Arch::Mmu::unmap
// flushes and calls the shoot-down hook; map is flushed explicitly).
//
// Read-only mappings map the region's frames without write permission and need a
// ReadOnlyWriteSink (Unsupported without one). A store into one (Wasm code, or the kernel writing
// on the module's behalf: supervisor writes obey read-only PTEs on every arch) page-faults; the
// write-fault hook (kernel/arch/common/WriteFaultHook.h) moves one parked private frame under that
// page holding a copy of the region page, so the store completes into the copy and the region never
// changes, and tells the sink (the Store traps at its next safepoint). unmap() parks the copies
// again, so the frame balance is the same as for writable mappings. GuestMemory asks the mapper
// (object::touches_read_only_mapping) before writing out-parameters: E_FAULT there. See docs/ipc.md.
class KernelPageMapper final : public object::PageMapper {
public:
    // Read-only mappings that can exist at once (all processes).
    static constexpr usize max_read_only_mappings = 128;

    Result<object::RegionPages> create_pages(u64 size) override;
    void destroy_pages(object::RegionPages& pages) override;
    ErrorOr map(const object::RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable,
                const object::ReadOnlyWriteSink* sink = nullptr) override;
    ErrorOr unmap(u8* destination, u64 length) override;
    void revert_read_only_copies(u8* destination) override;
    // Pages given a private copy by a store into a read-only mapping since boot.
    static u64 read_only_copies();

    static KernelPageMapper& instance();
    // Frames held by regions, and private linear-memory frames parked under a mapped region.
    static u64 region_frames();
    static u64 parked_frames();
};

} // namespace ath::sys
