#include "HostedLinearMemory.h"

#include <kernel/lib/Bits.h>

#include <mutex>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

namespace ath::hosted {

namespace {

// The read-only mappings a SIGSEGV may hit. Writers (map/unmap) take g_table_lock; the signal
// handler reads without locking: an entry is filled, then published with a release store of
// `live`, and unpublished before its pages are unmapped.
struct ReadOnlyRange {
    u8* base { nullptr };
    u64 length { 0 };
    int fd { -1 };
    u64 offset { 0 };
    const object::ReadOnlyWriteSink* sink { nullptr };
    u32 live { 0 };
};

ReadOnlyRange g_ranges[HostedPageMapper::max_read_only_mappings];
std::mutex g_table_lock;
bool g_handler_installed = false;
struct sigaction g_previous_handler;
u64 g_copies = 0;

// Gives the page at `address` a private copy if it lies in a live read-only range. Signal context.
bool resolve_read_only_write(uptr address)
{
    for (auto& range : g_ranges) {
        if (__atomic_load_n(&range.live, __ATOMIC_ACQUIRE) == 0)
            continue;
        uptr base = reinterpret_cast<uptr>(range.base);
        if (address < base || address - base >= range.length)
            continue;
        uptr page = address & ~(uptr(page_size) - 1);
        void* copy = mmap(reinterpret_cast<void*>(page), page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, range.fd,
                          static_cast<off_t>(range.offset + (page - base)));
        if (copy != reinterpret_cast<void*>(page))
            return false;
        __atomic_add_fetch(&g_copies, 1, __ATOMIC_RELAXED);
        range.sink->notify(range.sink->context);
        return true;
    }
    return false;
}

// Dirty-tracked memories (HostedLinearMemoryProvider::track_writes). Same publication rule as
// g_ranges: filled, then `live` set with a release store; cleared before the log goes away.
struct TrackedMemory {
    u8* base { nullptr };
    wasm::DirtyPageLog* log { nullptr };
    u32 live { 0 };
};
TrackedMemory g_tracked[HostedLinearMemoryProvider::max_tracked_memories];
u64 g_tracked_faults = 0;
constexpr u64 tracking_page = wasm::DirtyPageLog::page_bytes;

// The first store into a tracked page: writable again, and logged. Signal context.
bool resolve_tracked_write(uptr address)
{
    for (auto& tracked : g_tracked) {
        if (__atomic_load_n(&tracked.live, __ATOMIC_ACQUIRE) == 0)
            continue;
        uptr base = reinterpret_cast<uptr>(tracked.base);
        if (address < base || (address - base) / tracking_page >= tracked.log->page_count)
            continue;
        u64 page = (address - base) / tracking_page;
        if (tracked.log->is_written(page))
            return false; // writable already: not ours
        if (mprotect(tracked.base + page * tracking_page, tracking_page, PROT_READ | PROT_WRITE) != 0)
            return false;
        tracked.log->record(page);
        __atomic_add_fetch(&g_tracked_faults, 1, __ATOMIC_RELAXED);
        return true;
    }
    return false;
}

} // namespace

bool resolve_linear_memory_write_fault(const siginfo_t* info)
{
    // Only a protection fault (a present page) can be a store into a PROT_READ mapping.
    return info->si_code == SEGV_ACCERR
        && (resolve_read_only_write(reinterpret_cast<uptr>(info->si_addr)) || resolve_tracked_write(reinterpret_cast<uptr>(info->si_addr)));
}

namespace {

void on_segv(int signal_number, siginfo_t* info, void* context)
{
    if (resolve_linear_memory_write_fault(info))
        return; // the store runs again, into the private copy or the now writable page
    if (g_previous_handler.sa_flags & SA_SIGINFO) {
        g_previous_handler.sa_sigaction(signal_number, info, context);
        return;
    }
    if (g_previous_handler.sa_handler == SIG_DFL || g_previous_handler.sa_handler == SIG_IGN) {
        // Back to the default action; returning re-runs the faulting instruction, which kills us.
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    g_previous_handler.sa_handler(signal_number);
}

u32 g_live_ranges = 0;

// object::touches_read_only_mapping for hosted memories. Lock-free, like the signal handler.
bool touches_read_only(const u8* address, u64 length)
{
    if (__atomic_load_n(&g_live_ranges, __ATOMIC_ACQUIRE) == 0)
        return false;
    uptr first = reinterpret_cast<uptr>(address);
    for (auto& range : g_ranges) {
        if (__atomic_load_n(&range.live, __ATOMIC_ACQUIRE) == 0)
            continue;
        uptr base = reinterpret_cast<uptr>(range.base);
        if (first < base + range.length && base < first + length)
            return true;
    }
    return false;
}

// Under g_table_lock.
void install_handler()
{
    if (g_handler_installed)
        return;
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    VERIFY(sigaction(SIGSEGV, &action, &g_previous_handler) == 0);
    object::set_read_only_query(&touches_read_only);
    g_handler_installed = true;
}

} // namespace

Result<LinearMemoryReservation> LinearMemoryReservation::create(u64 maximum_bytes)
{
    auto reserved = checked_add<u64>(align_up(maximum_bytes, page_size), guard_bytes);
    if (!reserved.has_value() || maximum_bytes > (1ull << 33))
        return Error::from(ErrorCode::InvalidArgument, "linear memory maximum too large");
    void* base = mmap(nullptr, *reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return Error::from(ErrorCode::OutOfMemory, "cannot reserve linear memory address space");
    return LinearMemoryReservation(static_cast<u8*>(base), *reserved);
}

LinearMemoryReservation::LinearMemoryReservation(LinearMemoryReservation&& other)
    : m_base(exchange(other.m_base, nullptr))
    , m_reserved(exchange(other.m_reserved, 0))
    , m_committed(exchange(other.m_committed, 0))
{
}

LinearMemoryReservation::~LinearMemoryReservation()
{
    if (m_base)
        munmap(m_base, m_reserved);
}

ErrorOr LinearMemoryReservation::commit(u64 bytes)
{
    if (bytes <= m_committed)
        return {};
    u64 end = align_up(bytes, page_size);
    if (end > m_reserved - guard_bytes)
        return Error::from(ErrorCode::OutOfRange, "commit past the reservation");
    u64 start = align_up(m_committed, page_size);
    if (end > start && mprotect(m_base + start, end - start, PROT_READ | PROT_WRITE) != 0)
        return Error::from(ErrorCode::OutOfMemory, "cannot commit linear memory pages");
    m_committed = bytes;
    return {};
}

// What a provider memory reserves: its maximum, at least 4 GiB, then 4 GiB + a guard, so that
// base + any u32 index + any u32 offset (+ the access width) past the size hits PROT_NONE pages.
static u64 provider_reservation(u64 maximum_bytes)
{
    constexpr u64 four_gib = u64(1) << 32;
    u64 maximum = align_up(maximum_bytes, page_size);
    return (maximum > four_gib ? maximum : four_gib) + four_gib + LinearMemoryReservation::guard_bytes;
}

Result<u8*> HostedLinearMemoryProvider::resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes)
{
    u8* base = current;
    u64 reserved = provider_reservation(maximum_bytes);
    if (!base) {
        if (maximum_bytes > (1ull << 33))
            return Error::from(ErrorCode::InvalidArgument, "linear memory maximum too large");
        void* mapped = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapped == MAP_FAILED)
            return Error::from(ErrorCode::OutOfMemory, "cannot reserve linear memory address space");
        base = static_cast<u8*>(mapped);
    }
    if (new_bytes > maximum_bytes)
        return Error::from(ErrorCode::OutOfRange, "grow past the maximum");
    if (current && new_bytes < old_bytes) {
        // A snapshot's restore: the pages past new_bytes go (PROT_NONE, dropped: zero when grown again).
        u64 keep = align_up(new_bytes, page_size);
        u64 end = align_up(old_bytes, page_size);
        if (end > keep
            && (mprotect(base + keep, end - keep, PROT_NONE) != 0 || madvise(base + keep, end - keep, MADV_DONTNEED) != 0))
            return Error::from(ErrorCode::OutOfMemory, "cannot give linear memory pages back");
        return base;
    }
    u64 start = align_up(old_bytes, page_size);
    u64 end = align_up(new_bytes, page_size);
    if (end > start && mprotect(base + start, end - start, PROT_READ | PROT_WRITE) != 0) {
        if (!current)
            munmap(base, reserved);
        return Error::from(ErrorCode::OutOfMemory, "cannot commit linear memory pages");
    }
    return base;
}

void HostedLinearMemoryProvider::release(u8* base, u64, u64 maximum_bytes)
{
    if (!base)
        return;
    untrack_writes(base);
    munmap(base, provider_reservation(maximum_bytes));
}

ErrorOr HostedLinearMemoryProvider::track_writes(u8* base, wasm::DirtyPageLog& log)
{
    if (!base || log.page_count == 0)
        return Error::from(ErrorCode::InvalidArgument, "nothing to track");
    std::lock_guard guard(g_table_lock);
    TrackedMemory* entry = nullptr;
    for (auto& tracked : g_tracked) {
        if (tracked.live && tracked.base == base)
            return Error::from(ErrorCode::AlreadyExists, "memory is tracked already");
        if (!tracked.live && !entry)
            entry = &tracked;
    }
    if (!entry)
        return Error::from(ErrorCode::Exhausted, "too many tracked memories");
    install_handler();
    log.count = 0;
    __builtin_memset(log.written, 0, ((log.page_count + 63) / 64) * sizeof(u64));
    entry->base = base;
    entry->log = &log;
    __atomic_store_n(&entry->live, 1u, __ATOMIC_RELEASE);
    if (mprotect(base, log.page_count * tracking_page, PROT_READ) != 0) {
        __atomic_store_n(&entry->live, 0u, __ATOMIC_RELEASE);
        *entry = {};
        return Error::from(ErrorCode::OutOfMemory, "cannot write-protect the linear memory");
    }
    return {};
}

u64 HostedLinearMemoryProvider::restore_written(u8* base, wasm::RestorePage restore, void* context)
{
    wasm::DirtyPageLog* log = nullptr;
    for (auto& tracked : g_tracked) {
        if (__atomic_load_n(&tracked.live, __ATOMIC_ACQUIRE) && tracked.base == base)
            log = tracked.log;
    }
    if (!log || log->count == 0)
        return 0;
    u64 restored = log->count;
    u64 lowest = ~u64(0);
    u64 highest = 0;
    // Runs of consecutive pages in the order they were written: one mprotect per run while there
    // are few, else one over the span from the lowest to the highest page (still one system call).
    u64 runs = 0;
    for (u64 i = 0; i < log->count; ++i) {
        u64 page = log->pages[i];
        restore(context, page);
        lowest = min(lowest, page);
        highest = max(highest, page);
        if (i == 0 || log->pages[i - 1] + 1 != page)
            ++runs;
        log->written[page / 64] = 0;
    }
    constexpr u64 max_runs = 4;
    if (runs > max_runs) {
        VERIFY(mprotect(base + lowest * tracking_page, (highest - lowest + 1) * tracking_page, PROT_READ) == 0);
    } else {
        for (u64 i = 0; i < log->count;) {
            u64 first = log->pages[i];
            u64 length = 1;
            while (i + length < log->count && log->pages[i + length] == first + length)
                ++length;
            VERIFY(mprotect(base + first * tracking_page, length * tracking_page, PROT_READ) == 0);
            i += length;
        }
    }
    log->count = 0;
    return restored;
}

void HostedLinearMemoryProvider::untrack_writes(u8* base)
{
    std::lock_guard guard(g_table_lock);
    for (auto& tracked : g_tracked) {
        if (tracked.live && tracked.base == base) {
            __atomic_store_n(&tracked.live, 0u, __ATOMIC_RELEASE);
            // Writable again: whoever owns the memory now writes without faults.
            (void)mprotect(base, tracked.log->page_count * tracking_page, PROT_READ | PROT_WRITE);
            tracked = {};
        }
    }
}

u64 HostedLinearMemoryProvider::tracked_write_faults() { return __atomic_load_n(&g_tracked_faults, __ATOMIC_RELAXED); }

Result<object::RegionPages> HostedPageMapper::create_pages(u64 size)
{
    if (size == 0 || !is_aligned(size, page_size))
        return Error::from(ErrorCode::InvalidArgument, "region size must be whole pages");
    int fd = memfd_create("azoth-region", MFD_CLOEXEC);
    if (fd < 0)
        return Error::from(ErrorCode::OutOfMemory, "memfd_create failed");
    if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
        close(fd);
        return Error::from(ErrorCode::OutOfMemory, "cannot size the region");
    }
    void* view = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (view == MAP_FAILED) {
        close(fd);
        return Error::from(ErrorCode::OutOfMemory, "cannot map the region for the kernel");
    }
    return object::RegionPages { static_cast<u64>(fd), size, static_cast<u8*>(view) };
}

void HostedPageMapper::destroy_pages(object::RegionPages& pages)
{
    if (pages.kernel_view)
        munmap(pages.kernel_view, pages.size);
    close(static_cast<int>(pages.token));
    pages = {};
}

ErrorOr HostedPageMapper::map(const object::RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable,
                              const object::ReadOnlyWriteSink* sink)
{
    if (!is_aligned(reinterpret_cast<uptr>(destination), page_size) || !is_aligned(offset, page_size) || !is_aligned(length, page_size))
        return Error::from(ErrorCode::InvalidArgument, "mapping must be page aligned");
    if (!range_within<u64>(offset, length, pages.size))
        return Error::from(ErrorCode::OutOfRange, "mapping runs past the region");
    ReadOnlyRange* entry = nullptr;
    if (!writable && sink && sink->notify) {
        std::lock_guard guard(g_table_lock);
        for (auto& range : g_ranges) {
            if (range.live == 0 && range.length == 0) {
                entry = &range;
                break;
            }
        }
        if (!entry)
            return Error::from(ErrorCode::Exhausted, "too many read-only region mappings");
        install_handler();
        entry->base = destination;
        entry->length = length; // reserved: live stays 0 until the pages are in place
        entry->fd = static_cast<int>(pages.token);
        entry->offset = offset;
        entry->sink = sink;
    }
    int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
    void* mapped = mmap(destination, length, protection, MAP_SHARED | MAP_FIXED, static_cast<int>(pages.token), static_cast<off_t>(offset));
    if (mapped != destination) {
        if (entry) {
            std::lock_guard guard(g_table_lock);
            *entry = {};
        }
        return Error::from(ErrorCode::OutOfMemory, "mmap of the region failed");
    }
    if (entry) {
        __atomic_store_n(&entry->live, 1u, __ATOMIC_RELEASE);
        __atomic_add_fetch(&g_live_ranges, 1, __ATOMIC_RELEASE);
    }
    return {};
}

ErrorOr HostedPageMapper::unmap(u8* destination, u64 length)
{
    {
        std::lock_guard guard(g_table_lock);
        for (auto& range : g_ranges) {
            if (range.length != 0 && range.base >= destination && range.base < destination + length) {
                if (__atomic_load_n(&range.live, __ATOMIC_RELAXED) != 0)
                    __atomic_sub_fetch(&g_live_ranges, 1, __ATOMIC_RELEASE);
                __atomic_store_n(&range.live, 0u, __ATOMIC_RELEASE);
                range = {};
            }
        }
    }
    void* mapped = mmap(destination, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (mapped != destination)
        return Error::from(ErrorCode::OutOfMemory, "cannot put private pages back");
    return {};
}

void HostedPageMapper::revert_read_only_copies(u8* destination)
{
    std::lock_guard guard(g_table_lock);
    for (auto& range : g_ranges) {
        if (range.length == 0 || range.base != destination)
            continue;
        // The shared read-only pages again, over the private copies (which are dropped).
        void* mapped = mmap(destination, range.length, PROT_READ, MAP_SHARED | MAP_FIXED, range.fd, static_cast<off_t>(range.offset));
        VERIFY(mapped == destination);
    }
}

u64 HostedPageMapper::read_only_copies() { return __atomic_load_n(&g_copies, __ATOMIC_RELAXED); }

} // namespace ath::hosted
