#pragma once

// The device tree the loader handed over (BootInfo.device_tree), validated by DeviceTree::create.
#include <kernel/arch/common/DeviceTreeBoot.h>

namespace ath::riscv64 {

// boot_device_tree, property_cell, stdout_node, map_device_registers: shared with the other
// device-tree port (kernel/arch/common/DeviceTreeBoot.h).
using arch_common::boot_device_tree;
using arch_common::map_device_registers;
using arch_common::property_cell;
using arch_common::stdout_node;

// The first cell of a node's `interrupts` (a PLIC source number on riscv64), none when absent.
Optional<u32> plic_source(const firmware::DeviceTreeNode& node);

// Rtc.cpp: finds and maps the Goldfish RTC (a machine without one just has no wall clock).
void init_real_time_clock(const firmware::DeviceTree& tree);

} // namespace ath::riscv64
