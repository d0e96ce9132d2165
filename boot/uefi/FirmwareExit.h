#pragma once

// Leaving the firmware: the last memory map and ExitBootServices. Kept apart from Main so the
// retry rules can be tested hosted against a fake boot-services table.
#include "Firmware.h"

namespace ath::boot {

// Room for the firmware's map and for the converted BootInfo map, allocated before the final
// GetMemoryMap so that call already sees them.
struct MemoryMapBuffers {
    PageRun raw;          // loader scratch: the firmware's descriptors
    PageRun ranges;       // kept by the kernel: BootInfo::memory_map
    Span<MemoryRange> range_slots() const
    {
        return Span<MemoryRange>(reinterpret_cast<MemoryRange*>(ranges.physical),
                                 ranges.pages * uefi::uefi_page_size / sizeof(MemoryRange));
    }
};

Result<MemoryMapBuffers> reserve_memory_map(uefi::BootServices& services);
void release_memory_map(uefi::BootServices& services, const MemoryMapBuffers& buffers);

// Reads the current map into `buffers`; returns the used bytes of buffers.raw, the descriptor
// size and the map key.
struct MapSnapshot {
    usize size;
    usize descriptor_size;
    usize key;
};
Result<MapSnapshot> read_memory_map(uefi::BootServices& services, const MemoryMapBuffers& buffers);

inline constexpr int exit_boot_services_attempts = 4;

// GetMemoryMap, convert into buffers.ranges, ExitBootServices(key). When the firmware answers
// EFI_INVALID_PARAMETER (the map changed since it was read) the spec says to read the map again
// and retry. Returns the number of BootInfo ranges once the firmware is gone. On an error the
// firmware may or may not be usable; the caller must not touch its console again.
Result<usize> exit_boot_services(uefi::Handle image, uefi::BootServices& services, const MemoryMapBuffers& buffers);

} // namespace ath::boot
