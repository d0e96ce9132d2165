#pragma once

// The device tree the loader handed over (BootInfo.device_tree), validated by DeviceTree::create.
#include <boot/BootInfo.h>
#include <kernel/firmware/DeviceTree.h>

namespace ath::riscv64 {

// Checks the BootInfo at `info_address` enough to find the blob (the caller may run before
// kernel_main validated it), bounds the blob by its header and validates all of it.
Result<firmware::DeviceTree> boot_device_tree(u64 info_address);

// The index-th big-endian cell of a property.
Optional<u32> property_cell(ReadonlyBytes property, usize index);

// The first cell of a node's `interrupts` (a PLIC source number on riscv64), none when absent.
Optional<u32> plic_source(const firmware::DeviceTreeNode& node);

// Rtc.cpp: finds and maps the Goldfish RTC (a machine without one just has no wall clock).
void init_real_time_clock(const firmware::DeviceTree& tree);

} // namespace ath::riscv64
