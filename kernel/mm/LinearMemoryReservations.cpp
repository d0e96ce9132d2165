#include <kernel/lib/SpinLock.h>
#include <kernel/mm/LinearMemoryReservations.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::mm {

namespace {
alignas(VirtualRangeAllocator) u8 g_storage[sizeof(VirtualRangeAllocator)];
VirtualRangeAllocator* g_reservations = nullptr;
SpinLock g_lock;
} // namespace

ErrorOr init_linear_memory_reservations()
{
    auto allocator = TRY(VirtualRangeAllocator::create(
        VirtualRange { VirtualAddress(linear_memory_window_base), linear_memory_window_size }));
    g_reservations = new (g_storage) VirtualRangeAllocator(move(allocator));
    return {};
}

Result<VirtualRange> reserve_linear_memory()
{
    VERIFY(g_reservations);
    ScopedLock lock(g_lock);
    // Aligned to the reservation size so a memory's base is a clean 4 GiB boundary.
    return g_reservations->allocate(linear_memory_reservation, linear_memory_guard, linear_memory_reservation);
}

ErrorOr release_linear_memory(VirtualRange reservation)
{
    VERIFY(g_reservations);
    ScopedLock lock(g_lock);
    return g_reservations->free(reservation, linear_memory_guard);
}

u64 linear_memory_reservations_free()
{
    VERIFY(g_reservations);
    ScopedLock lock(g_lock);
    return g_reservations->free_bytes() / (linear_memory_reservation + linear_memory_guard);
}

} // namespace ath::mm
