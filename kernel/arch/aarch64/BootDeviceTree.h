#pragma once

// The device tree the loader handed over (BootInfo.device_tree), validated by DeviceTree::create.
#include <boot/BootInfo.h>
#include <kernel/firmware/DeviceTree.h>

namespace ath::aarch64 {

// Checks the BootInfo at `info_address` enough to find the blob (the caller may run before
// kernel_main validated it), bounds the blob by its header and validates all of it.
Result<firmware::DeviceTree> boot_device_tree(u64 info_address);

// The index-th big-endian cell of a property.
Optional<u32> property_cell(ReadonlyBytes property, usize index);

// A node's `interrupts` entry `index` as a GIC INTID (<type number flags>: type 0 = SPI n ->
// 32 + n, type 1 = PPI n -> 16 + n).
Optional<u32> gic_interrupt(const firmware::DeviceTreeNode& node, usize index);

// Rtc.cpp: finds and maps the PL031 (a machine without one just has no wall clock).
void init_real_time_clock(const firmware::DeviceTree& tree);

} // namespace ath::aarch64
