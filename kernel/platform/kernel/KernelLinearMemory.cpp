#include <kernel/arch/Arch.h>
#include <kernel/arch/common/WriteFaultHook.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/mm/LinearMemoryReservations.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/object/ResourceAccount.h>
#include <kernel/process/Threads.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath::sys {

static_assert(mm::linear_memory_reservation + mm::linear_memory_guard >= (8ull << 30),
              "guards_wasm32_accesses: every compiled access below base + 8 GiB stays in the reservation or its guard");

namespace {

SpinLock g_lock;
u64 g_committed_frames = 0;
u64 g_region_frames = 0;
// Private linear-memory frames displaced by a mapped region, linked through their first word (via
// the direct map). They still count as committed: unmap() puts them back.
PhysicalAddress g_parked;
u64 g_parked_count = 0;

void park(PhysicalAddress frame)
{
    *mm::phys_to_ptr<u64>(frame) = g_parked.get();
    g_parked = frame;
    ++g_parked_count;
}

PhysicalAddress unpark_zeroed()
{
    VERIFY(g_parked_count != 0);
    PhysicalAddress frame = g_parked;
    g_parked = PhysicalAddress(*mm::phys_to_ptr<u64>(frame));
    --g_parked_count;
    __builtin_memset(mm::phys_to_ptr<u8>(frame), 0, page_size);
    return frame;
}

// Dirty-tracked linear memories (KernelLinearMemory::track_writes, for instant reset). Under
// g_lock; the write-fault hook reads them with the lock taken by try_lock.
constexpr usize max_tracked_memories = 64;
struct TrackedMemory {
    u64 base { 0 };
    wasm::DirtyPageLog* log { nullptr };
};
TrackedMemory g_tracked[max_tracked_memories];
u64 g_tracked_faults = 0;
static_assert(wasm::DirtyPageLog::page_bytes == page_size, "tracking granule = kernel page");

TrackedMemory* tracked_memory_of(u64 address)
{
    for (auto& tracked : g_tracked) {
        if (tracked.log && address >= tracked.base && (address - tracked.base) / page_size < tracked.log->page_count)
            return &tracked;
    }
    return nullptr;
}

// Pages whose contents changed without a write fault (region mappings undone: zeroed private
// frames, mapped writable) are logged as written, so a restore puts them back too. Under g_lock.
void log_as_written(u64 base, u64 count)
{
    for (u64 page = 0; page < count; ++page) {
        u64 address = base + page * page_size;
        if (TrackedMemory* tracked = tracked_memory_of(address))
            tracked->log->record((address - tracked->base) / page_size);
    }
}

// Puts parked private frames back under the first `count` pages at `base` (which hold region
// frames): one unmap of the range (one TLB flush), then the zeroed frames. Under g_lock. Cannot
// fail: the page tables of those pages exist (they were mapped).
void restore_private(u64 base, u64 count)
{
    if (count == 0)
        return;
    VERIFY(!Arch::Mmu::unmap(VirtualAddress(base), count).is_error());
    for (u64 page = 0; page < count; ++page)
        VERIFY(!Arch::Mmu::map(VirtualAddress(base + page * page_size), unpark_zeroed(), 1, PageAccess::Write).is_error());
    Arch::Mmu::flush(VirtualAddress(base), count);
    log_as_written(base, count);
}

// Unmaps [first, first + count) pages of a reservation and frees their frames. Pages that are not
// mapped are skipped, so this also undoes a partially completed grow. No remnants (docs/privacy.md):
// each frame is zeroed before it is freed, so what the module wrote is gone from physical memory as
// soon as its memory is (frames are zeroed again when they are taken: allocate_zeroed_frame).
void decommit(u8* base, u64 first_page, u64 count)
{
    for (u64 page = first_page; page < first_page + count; ++page) {
        VirtualAddress address(reinterpret_cast<u64>(base) + page * page_size);
        auto frame = Arch::Mmu::translate(address);
        if (!frame.has_value())
            continue;
        __builtin_memset(mm::phys_to_ptr<u8>(*frame), 0, page_size);
        VERIFY(!Arch::Mmu::unmap(address, 1).is_error());
        VERIFY(!mm::physical_frames().free(*frame).is_error());
        --g_committed_frames;
    }
}

ErrorOr commit(u8* base, u64 first_page, u64 count)
{
    auto& frames = mm::physical_frames();
    if (!KernelLinearMemory::leaves_reserve(count))
        return Error::from(ErrorCode::OutOfMemory, "not enough free memory to grow the linear memory");
    for (u64 page = first_page; page < first_page + count; ++page) {
        auto frame = mm::allocate_zeroed_frame();
        if (frame.is_error()) {
            decommit(base, first_page, page - first_page);
            return frame.release_error();
        }
        VirtualAddress address(reinterpret_cast<u64>(base) + page * page_size);
        auto mapped = Arch::Mmu::map(address, frame.value(), 1, PageAccess::Write);
        if (mapped.is_error()) {
            VERIFY(!frames.free(frame.value()).is_error());
            decommit(base, first_page, page - first_page);
            return mapped.release_error();
        }
        ++g_committed_frames;
    }
    return {};
}

// Read-only region mappings, for the write-fault hook. Under g_lock.
struct ReadOnlyMapping {
    u64 base { 0 };
    u64 count { 0 };             // pages
    u64 region_first { 0 };      // physical address of the region frame under the first page
    const object::ReadOnlyWriteSink* sink { nullptr };
    object::ResourceCharge charge; // Resource::ReadOnlyMappings of the process that mapped it
};
ReadOnlyMapping g_read_only[KernelPageMapper::max_read_only_mappings];
u64 g_read_only_copies = 0;

bool is_region_frame(const ReadOnlyMapping& mapping, PhysicalAddress frame)
{
    return frame.get() >= mapping.region_first && frame.get() - mapping.region_first < mapping.count * page_size;
}

u32 g_read_only_count = 0;

// object::touches_read_only_mapping for kernel linear memories (GuestMemory asks before the kernel
// writes an out-parameter). No lock taken while no read-only mapping exists.
bool touches_read_only(const u8* address, u64 length)
{
    if (__atomic_load_n(&g_read_only_count, __ATOMIC_ACQUIRE) == 0)
        return false;
    u64 first = reinterpret_cast<u64>(address);
    ScopedLock lock(g_lock);
    for (auto& mapping : g_read_only) {
        if (mapping.count != 0 && first < mapping.base + mapping.count * page_size && mapping.base < first + length)
            return true;
    }
    return false;
}

// The first write to a page of a dirty-tracked memory: writable again, and logged. Under g_lock.
bool resolve_tracked_write_locked(u64 address)
{
    TrackedMemory* tracked = tracked_memory_of(address);
    if (!tracked)
        return false;
    u64 page = (address - tracked->base) / page_size;
    if (tracked->log->is_written(page))
        return false; // writable already: a real fault
    if (Arch::Mmu::protect(VirtualAddress(tracked->base + page * page_size), 1, PageAccess::Write).is_error())
        return false;
    tracked->log->record(page);
    ++g_tracked_faults;
    return true;
}

// The write-fault hook (kernel/arch/common/WriteFaultHook.h): a store into a page of a read-only
// mapping. The page gets a private copy, made in one of the parked private frames (the mapping
// parked one per page, so there is always one and nothing is allocated in fault context), and
// the mapping's sink makes the writing Store trap. try_lock: the fault may interrupt this file's
// own code only through a bug; then the fault stays fatal rather than deadlocking.
bool resolve_read_only_write(u64 address)
{
    if (!g_lock.try_lock())
        return false;
    u64 page = align_down(address, page_size);
    const object::ReadOnlyWriteSink* sink = nullptr;
    for (auto& mapping : g_read_only) {
        if (mapping.count == 0 || page < mapping.base || page - mapping.base >= mapping.count * page_size)
            continue;
        auto frame = Arch::Mmu::translate(VirtualAddress(page));
        if (!frame.has_value() || !is_region_frame(mapping, *frame) || g_parked_count == 0)
            break; // already a private copy, or not ours: a real fault
        PhysicalAddress copy = g_parked;
        g_parked = PhysicalAddress(*mm::phys_to_ptr<u64>(copy));
        --g_parked_count;
        __builtin_memcpy(mm::phys_to_ptr<u8>(copy), mm::phys_to_ptr<u8>(*frame), page_size);
        VERIFY(!Arch::Mmu::unmap(VirtualAddress(page), 1).is_error());
        VERIFY(!Arch::Mmu::map(VirtualAddress(page), copy, 1, PageAccess::Write).is_error());
        Arch::Mmu::flush(VirtualAddress(page), 1);
        ++g_read_only_copies;
        sink = mapping.sink;
        break;
    }
    bool tracked = !sink && resolve_tracked_write_locked(address);
    g_lock.unlock();
    if (tracked)
        return true;
    if (!sink)
        return false;
    sink->notify(sink->context);
    return true;
}

// InvalidArgument unless every one of the `count` pages from `base` is mapped. Under g_lock.
ErrorOr check_all_mapped_pages(u64 base, u64 count)
{
    for (u64 page = 0; page < count; ++page) {
        if (!Arch::Mmu::translate(VirtualAddress(base + page * page_size)).has_value())
            return Error::from(ErrorCode::InvalidArgument, "tracked range is not committed linear memory");
    }
    return {};
}

} // namespace

Result<u8*> KernelLinearMemory::resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes)
{
    if (new_bytes > mm::linear_memory_reservation || maximum_bytes > mm::linear_memory_reservation)
        return Error::from(ErrorCode::OutOfRange, "linear memory larger than its reservation");
    u8* base = current;
    if (base == nullptr) {
        ScopedLock lock(g_lock);
        auto reservation = TRY(mm::reserve_linear_memory());
        base = reservation.base.as_ptr<u8>();
    }
    // Wasm pages are 64 KiB, so both sizes are whole kernel pages.
    u64 old_pages = align_up(old_bytes, page_size) / page_size;
    u64 new_pages = align_up(new_bytes, page_size) / page_size;
    if (new_pages < old_pages) {
        ScopedLock lock(g_lock);
        decommit(base, new_pages, old_pages - new_pages);
        return base;
    }
    // A large grow commits (and zeroes) grow_chunk_pages at a time and passes a safepoint between
    // chunks, with the lock let go: one memory.grow neither holds the CPU from other threads nor
    // delays a kill (docs/security.md, "Long host calls"). The new pages are not part of the memory
    // until resize returns, so nobody else looks at them meanwhile. A grow that fails or must stop
    // takes back what it committed.
    constexpr u64 grow_chunk_pages = 256; // 1 MiB
    for (u64 done = old_pages; done < new_pages;) {
        u64 step = min(new_pages - done, grow_chunk_pages);
        Optional<Error> failed;
        {
            ScopedLock lock(g_lock);
            if (auto committed = commit(base, done, step); committed.is_error())
                failed = committed.release_error();
        }
        if (!failed.has_value()) {
            done += step;
            if (done < new_pages && !process::checkpoint())
                failed = Error::from(ErrorCode::Busy, "stopped while the linear memory was growing");
        }
        if (failed.has_value()) {
            ScopedLock lock(g_lock);
            decommit(base, old_pages, done - old_pages);
            if (current == nullptr)
                VERIFY(!mm::release_linear_memory({ VirtualAddress(reinterpret_cast<u64>(base)), mm::linear_memory_reservation }).is_error());
            return *failed;
        }
    }
    return base;
}

void KernelLinearMemory::release(u8* base, u64 bytes, u64)
{
    if (base == nullptr)
        return;
    ScopedLock lock(g_lock);
    for (auto& tracked : g_tracked) {
        if (tracked.log && tracked.base == reinterpret_cast<u64>(base))
            tracked = {};
    }
    decommit(base, 0, align_up(bytes, page_size) / page_size);
    VERIFY(!mm::release_linear_memory({ VirtualAddress(reinterpret_cast<u64>(base)), mm::linear_memory_reservation }).is_error());
}

ErrorOr KernelLinearMemory::track_writes(u8* base, wasm::DirtyPageLog& log)
{
    u64 start = reinterpret_cast<u64>(base);
    if (!base || log.page_count == 0)
        return Error::from(ErrorCode::InvalidArgument, "nothing to track");
    ScopedLock lock(g_lock);
    TrackedMemory* entry = nullptr;
    for (auto& tracked : g_tracked) {
        if (tracked.log && tracked.base == start)
            return Error::from(ErrorCode::AlreadyExists, "memory is tracked already");
        if (!tracked.log && !entry)
            entry = &tracked;
    }
    if (!entry)
        return Error::from(ErrorCode::Exhausted, "too many dirty-tracked linear memories");
    // Every page must be committed private memory (no region mapped: a snapshot is taken before
    // the module runs, Process::run); a read-only mapping's page would become writable later.
    TRY(check_all_mapped_pages(start, log.page_count));
    log.count = 0;
    __builtin_memset(log.written, 0, ((log.page_count + 63) / 64) * sizeof(u64));
    TRY(Arch::Mmu::protect(VirtualAddress(start), log.page_count, PageAccess::Read));
    *entry = TrackedMemory { start, &log };
    set_write_fault_hook(&resolve_read_only_write);
    return {};
}

u64 KernelLinearMemory::restore_written(u8* base, wasm::RestorePage restore, void* context)
{
    wasm::DirtyPageLog* log = nullptr;
    {
        ScopedLock lock(g_lock);
        for (auto& tracked : g_tracked) {
            if (tracked.log && tracked.base == reinterpret_cast<u64>(base))
                log = tracked.log;
        }
    }
    if (!log)
        return 0;
    // The pages are writable (written, or logged when a region mapping was undone) and only this
    // memory's owner, which is resetting, writes them: copied outside the lock.
    for (u64 i = 0; i < log->count; ++i)
        restore(context, log->pages[i]);
    ScopedLock lock(g_lock);
    u64 restored = log->count;
    for (u64 i = 0; i < log->count; ++i) {
        u64 page = log->pages[i];
        VERIFY(!Arch::Mmu::protect(VirtualAddress(reinterpret_cast<u64>(base) + page * page_size), 1, PageAccess::Read).is_error());
        log->written[page / 64] = 0;
    }
    log->count = 0;
    return restored;
}

void KernelLinearMemory::untrack_writes(u8* base)
{
    ScopedLock lock(g_lock);
    for (auto& tracked : g_tracked) {
        if (!tracked.log || tracked.base != reinterpret_cast<u64>(base))
            continue;
        // Writable again, except pages of a read-only region mapping (their access is the mapping's).
        for (u64 page = 0; page < tracked.log->page_count; ++page) {
            u64 address = tracked.base + page * page_size;
            bool read_only = false;
            for (auto& mapping : g_read_only)
                read_only |= mapping.count != 0 && address >= mapping.base && address - mapping.base < mapping.count * page_size;
            if (!read_only && !tracked.log->is_written(page) && Arch::Mmu::translate(VirtualAddress(address)).has_value())
                (void)Arch::Mmu::protect(VirtualAddress(address), 1, PageAccess::Write);
        }
        tracked = {};
    }
}

u64 KernelLinearMemory::tracked_write_faults()
{
    ScopedLock lock(g_lock);
    return g_tracked_faults;
}

KernelLinearMemory& KernelLinearMemory::instance()
{
    static KernelLinearMemory provider;
    return provider;
}

bool KernelLinearMemory::leaves_reserve(u64 frames)
{
    u64 free = mm::physical_frames().free_count();
    return free >= frames && free - frames >= reserved_frames;
}

u64 KernelLinearMemory::committed_frames()
{
    ScopedLock lock(g_lock);
    return g_committed_frames;
}

Result<object::RegionPages> KernelPageMapper::create_pages(u64 size)
{
    if (size == 0 || !is_aligned(size, page_size))
        return Error::from(ErrorCode::InvalidArgument, "region size must be whole pages");
    u64 count = size / page_size;
    auto first = [&]() -> Result<PhysicalAddress> {
        ScopedLock lock(g_lock);
        if (!KernelLinearMemory::leaves_reserve(count))
            return Error::from(ErrorCode::OutOfMemory, "not enough free memory for the region");
        PhysicalAddress address = TRY(mm::physical_frames().allocate_contiguous(count));
        g_region_frames += count;
        return address;
    }();
    if (first.is_error())
        return first.release_error();
    // Zeroed outside the lock, a chunk at a time with a safepoint between chunks: creating a large
    // region neither holds the CPU from other threads nor delays a kill (docs/security.md, "Long
    // host calls"). A caller that must stop gets the frames back and an error.
    u8* view = mm::phys_to_ptr<u8>(first.value());
    constexpr u64 zero_chunk = u64(1024) * 1024;
    for (u64 done = 0; done < size; done += zero_chunk) {
        if (done != 0 && !process::checkpoint()) {
            ScopedLock lock(g_lock);
            VERIFY(!mm::physical_frames().free_contiguous(first.value(), count).is_error());
            g_region_frames -= count;
            return Error::from(ErrorCode::Busy, "stopped while the region was being zeroed");
        }
        __builtin_memset(view + done, 0, min(zero_chunk, size - done));
    }
    return object::RegionPages { first.value().get(), size, view };
}

void KernelPageMapper::destroy_pages(object::RegionPages& pages)
{
    if (pages.size == 0)
        return;
    // No remnants (docs/privacy.md): the region's bytes are zeroed before its frames are free. Its
    // last handle and every mapping are gone, so nobody reads or writes them meanwhile.
    __builtin_memset(pages.kernel_view, 0, pages.size);
    ScopedLock lock(g_lock);
    u64 count = pages.size / page_size;
    VERIFY(!mm::physical_frames().free_contiguous(PhysicalAddress(pages.token), count).is_error());
    g_region_frames -= count;
    pages = {};
}

namespace {

// InvalidArgument (`message`) unless every one of the `count` pages from `base` is mapped.
ErrorOr check_all_mapped(u64 base, u64 count, const char* message)
{
    for (u64 page = 0; page < count; ++page) {
        if (!Arch::Mmu::translate(VirtualAddress(base + page * page_size)).has_value())
            return Error::from(ErrorCode::InvalidArgument, message);
    }
    return {};
}

} // namespace

ErrorOr KernelPageMapper::map(const object::RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable,
                              const object::ReadOnlyWriteSink* sink)
{
    if (!writable && (!sink || !sink->notify))
        return Error::from(ErrorCode::Unsupported, "a read-only region mapping needs a write sink in the kernel");
    u64 base = reinterpret_cast<u64>(destination);
    if (length == 0 || !is_aligned(base, page_size) || !is_aligned(offset, page_size) || !is_aligned(length, page_size)
        || !range_within<u64>(offset, length, pages.size))
        return Error::from(ErrorCode::InvalidArgument, "region mapping must be whole pages inside the region");
    u64 count = length / page_size;
    ScopedLock lock(g_lock);
    // Validate, then commit: every page must be committed private memory of a linear memory.
    TRY(check_all_mapped(base, count, "mapping target is not committed linear memory"));
    ReadOnlyMapping* entry = nullptr;
    if (!writable) {
        for (auto& mapping : g_read_only) {
            if (mapping.count == 0) {
                entry = &mapping;
                break;
            }
        }
        if (!entry)
            return Error::from(ErrorCode::Exhausted, "too many read-only region mappings");
        auto charge = TRY(object::ResourceCharge::take(object::current_resource_account(), object::Resource::ReadOnlyMappings, 1));
        *entry = ReadOnlyMapping { base, count, pages.token + offset, sink, move(charge) };
        __atomic_add_fetch(&g_read_only_count, 1, __ATOMIC_RELEASE);
        set_write_fault_hook(&resolve_read_only_write);
        object::set_read_only_query(&touches_read_only);
    }
    // Park the private frames (in page order: the last page's frame on top), replace the whole
    // range's entries with one unmap (one TLB flush) and one map of the region's contiguous frames.
    for (u64 page = 0; page < count; ++page)
        park(*Arch::Mmu::translate(VirtualAddress(base + page * page_size)));
    VERIFY(!Arch::Mmu::unmap(VirtualAddress(base), count).is_error());
    // The range's page tables exist (it was mapped a moment ago), so this cannot run out of memory.
    VERIFY(!Arch::Mmu::map(VirtualAddress(base), PhysicalAddress(pages.token + offset), count,
                           writable ? PageAccess::Write : PageAccess::Read)
                .is_error());
    Arch::Mmu::flush(VirtualAddress(base), count);
    return {};
}

ErrorOr KernelPageMapper::unmap(u8* destination, u64 length)
{
    u64 base = reinterpret_cast<u64>(destination);
    if (length == 0 || !is_aligned(base, page_size) || !is_aligned(length, page_size))
        return Error::from(ErrorCode::InvalidArgument, "region unmapping must be whole pages");
    u64 count = length / page_size;
    ScopedLock lock(g_lock);
    TRY(check_all_mapped(base, count, "unmapping a page that is not mapped"));
    // A read-only mapping's pages that were written hold private copies (parked frames): they go
    // back to the parked list first, so the range's pages are all replaced the same way.
    ReadOnlyMapping* entry = nullptr;
    u64 copies = 0;
    for (auto& mapping : g_read_only) {
        if (mapping.count != 0 && mapping.base == base) {
            entry = &mapping;
            break;
        }
    }
    if (entry) {
        for (u64 page = 0; page < count && page < entry->count; ++page)
            copies += is_region_frame(*entry, *Arch::Mmu::translate(VirtualAddress(base + page * page_size))) ? 0 : 1;
    }
    if (g_parked_count + copies < count)
        return Error::from(ErrorCode::Invalid, "more pages to unmap than were mapped");
    if (entry) {
        for (u64 page = 0; page < count && page < entry->count; ++page) {
            PhysicalAddress frame = *Arch::Mmu::translate(VirtualAddress(base + page * page_size));
            if (!is_region_frame(*entry, frame))
                park(frame);
        }
        *entry = {};
        __atomic_sub_fetch(&g_read_only_count, 1, __ATOMIC_RELEASE);
    }
    restore_private(base, count);
    return {};
}

void KernelPageMapper::revert_read_only_copies(u8* destination)
{
    u64 base = reinterpret_cast<u64>(destination);
    ScopedLock lock(g_lock);
    for (auto& mapping : g_read_only) {
        if (mapping.count == 0 || mapping.base != base)
            continue;
        for (u64 page = 0; page < mapping.count; ++page) {
            VirtualAddress address(base + page * page_size);
            PhysicalAddress frame = *Arch::Mmu::translate(address);
            if (is_region_frame(mapping, frame))
                continue;
            park(frame);
            VERIFY(!Arch::Mmu::unmap(address, 1).is_error());
            VERIFY(!Arch::Mmu::map(address, PhysicalAddress(mapping.region_first + page * page_size), 1, PageAccess::Read).is_error());
            Arch::Mmu::flush(address, 1);
        }
    }
}

KernelPageMapper& KernelPageMapper::instance()
{
    static KernelPageMapper mapper;
    return mapper;
}

u64 KernelPageMapper::region_frames()
{
    ScopedLock lock(g_lock);
    return g_region_frames;
}

u64 KernelPageMapper::read_only_copies()
{
    ScopedLock lock(g_lock);
    return g_read_only_copies;
}

u64 KernelPageMapper::parked_frames()
{
    ScopedLock lock(g_lock);
    return g_parked_count;
}

} // namespace ath::sys
