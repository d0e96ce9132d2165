#pragma once

// The kernel's physical frame allocator, set up from the BootInfo memory map.
#include <boot/BootInfo.h>
#include <kernel/mm/FrameAllocator.h>

namespace ath::mm {

// Builds the allocator: only Usable ranges become free; the kernel image, initrd, BootInfo,
// memory map and command line are reserved again even if a loader mislabelled them.
ErrorOr init_physical_memory(const boot::BootInfo& info);
// Frees BootServicesReclaim ranges; call once nothing reads loader or firmware boot data any more.
u64 reclaim_boot_services_memory(const boot::BootInfo& info);

FrameAllocator& physical_frames();
// A zeroed frame (through the direct map), e.g. for a page table.
Result<PhysicalAddress> allocate_zeroed_frame();

// The memory map as the loader described it (valid until reclaim: it lives in LoaderData).
Span<const boot::MemoryRange> boot_memory_map(const boot::BootInfo& info);

} // namespace ath::mm
