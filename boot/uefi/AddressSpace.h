#pragma once

// The address space the kernel starts in (see boot/BootInfo.h): its segments at their linked
// addresses with per-page permissions, all physical memory at direct_map_base, and the same
// memory identity-mapped (executable) so the loader survives its own switch to these tables.
#include "ElfImage.h"
#include "PageAllocator.h"

#include <boot/BootInfo.h>

#include <Cpu.h>

namespace ath::boot {

// How much the direct map covers: all memory up to max(highest map address, framebuffer end, 4 GiB,
// which also covers the 32-bit MMIO hole: APICs, HPET), in whole GiB.
u64 direct_map_size_for(u64 highest_memory, const Framebuffer& framebuffer);

// `kernel_physical`: where KernelImage::copy_into put the image (virtual_start maps there).
// Returns the physical address of the top-level table.
Result<u64> build_kernel_address_space(PageAllocator& allocator, const KernelImage& image, u64 kernel_physical,
                                       u64 direct_map_size, arch::PagingFeatures features);

} // namespace ath::boot
