#pragma once

// Turns the firmware's memory map into the kernel's: UEFI descriptors (stride given by the
// firmware, which may be larger than our struct) become BootInfo MemoryRanges sorted by base,
// with touching ranges of the same kind merged. Runs between the last GetMemoryMap and
// ExitBootServices, so it allocates nothing: the caller provides the output array.
#include "Uefi.h"

#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::boot {

MemoryKind memory_kind_of(uefi::MemoryType type);

// Returns how many entries of `ranges` were filled.
Result<usize> convert_memory_map(ReadonlyBytes descriptors, usize descriptor_size, Span<MemoryRange> ranges);

// The highest physical address any descriptor covers (exclusive), for sizing the direct map.
u64 highest_physical_address(ReadonlyBytes descriptors, usize descriptor_size);

} // namespace ath::boot
