#include <kernel/arch/Arch.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/mm/LinearMemoryReservations.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/sys/KernelLinearMemory.h>

namespace ath::sys {

namespace {

SpinLock g_lock;
u64 g_committed_frames = 0;

// Unmaps [first, first + count) pages of a reservation and frees their frames. Pages that are not
// mapped are skipped, so this also undoes a partially completed grow.
void decommit(u8* base, u64 first_page, u64 count)
{
    for (u64 page = first_page; page < first_page + count; ++page) {
        VirtualAddress address(reinterpret_cast<u64>(base) + page * page_size);
        auto frame = Arch::Mmu::translate(address);
        if (!frame.has_value())
            continue;
        VERIFY(!Arch::Mmu::unmap(address, 1).is_error());
        VERIFY(!mm::physical_frames().free(*frame).is_error());
        --g_committed_frames;
    }
}

ErrorOr commit(u8* base, u64 first_page, u64 count)
{
    auto& frames = mm::physical_frames();
    if (frames.free_count() < count || frames.free_count() - count < KernelLinearMemory::reserved_frames)
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

} // namespace

Result<u8*> KernelLinearMemory::resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes)
{
    if (new_bytes > mm::linear_memory_reservation || maximum_bytes > mm::linear_memory_reservation)
        return Error::from(ErrorCode::OutOfRange, "linear memory larger than its reservation");
    ScopedLock lock(g_lock);
    u8* base = current;
    if (base == nullptr) {
        auto reservation = TRY(mm::reserve_linear_memory());
        base = reservation.base.as_ptr<u8>();
    }
    // Wasm pages are 64 KiB, so both sizes are whole kernel pages.
    u64 old_pages = align_up(old_bytes, page_size) / page_size;
    u64 new_pages = align_up(new_bytes, page_size) / page_size;
    if (new_pages > old_pages) {
        auto committed = commit(base, old_pages, new_pages - old_pages);
        if (committed.is_error()) {
            if (current == nullptr)
                VERIFY(!mm::release_linear_memory({ VirtualAddress(reinterpret_cast<u64>(base)), mm::linear_memory_reservation }).is_error());
            return committed.release_error();
        }
    } else if (new_pages < old_pages) {
        decommit(base, new_pages, old_pages - new_pages);
    }
    return base;
}

void KernelLinearMemory::release(u8* base, u64 bytes, u64)
{
    if (base == nullptr)
        return;
    ScopedLock lock(g_lock);
    decommit(base, 0, align_up(bytes, page_size) / page_size);
    VERIFY(!mm::release_linear_memory({ VirtualAddress(reinterpret_cast<u64>(base)), mm::linear_memory_reservation }).is_error());
}

KernelLinearMemory& KernelLinearMemory::instance()
{
    static KernelLinearMemory provider;
    return provider;
}

u64 KernelLinearMemory::committed_frames()
{
    ScopedLock lock(g_lock);
    return g_committed_frames;
}

} // namespace ath::sys
