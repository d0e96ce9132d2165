#pragma once

// Address-space reservations for Wasm linear memories: each is linear_memory_reservation bytes
// (4 GiB, the whole 32-bit index space) followed by a linear_memory_guard that is never mapped, so
// any 32-bit index plus a 32-bit offset lands inside the reservation or its guard and an
// out-of-bounds access faults instead of touching another memory. Only address space is handed
// out; the engine maps pages into the front of a reservation as the memory grows.
#include <kernel/mm/VirtualRangeAllocator.h>

namespace ath::mm {

ErrorOr init_linear_memory_reservations();
Result<VirtualRange> reserve_linear_memory();
ErrorOr release_linear_memory(VirtualRange reservation);
u64 linear_memory_reservations_free();

} // namespace ath::mm
