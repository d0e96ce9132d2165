#pragma once

// The device tree the loader handed over (BootInfo.device_tree), validated by DeviceTree::create.
#include <kernel/arch/common/DeviceTreeBoot.h>

namespace ath::aarch64 {

// boot_device_tree, property_cell, stdout_node, map_device_registers: shared with the other
// device-tree port (kernel/arch/common/DeviceTreeBoot.h).
using arch_common::boot_device_tree;
using arch_common::map_device_registers;
using arch_common::property_cell;
using arch_common::stdout_node;

// A node's `interrupts` entry `index` as a GIC INTID (<type number flags>: type 0 = SPI n ->
// 32 + n, type 1 = PPI n -> 16 + n).
Optional<u32> gic_interrupt(const firmware::DeviceTreeNode& node, usize index);

// Rtc.cpp: finds and maps the PL031 (a machine without one just has no wall clock).
void init_real_time_clock(const firmware::DeviceTree& tree);

} // namespace ath::aarch64
