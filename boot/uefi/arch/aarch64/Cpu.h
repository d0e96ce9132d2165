#pragma once

// What the generic loader asks of the CPU it runs on (aarch64 version; same names as every arch
// folder's Cpu.h).
#include "../../ElfImage.h"

#include <kernel/lib/StringView.h>

namespace ath::boot::arch {

inline constexpr u16 elf_machine = elf_machine_aarch64;

// Both are always true on ARMv8-A with a 4 KiB granule: 1 GiB blocks at level 1, and PXN/UXN.
struct PagingFeatures {
    bool huge_1g_pages;
    bool no_execute;
};

u64 read_cycle_counter();
PagingFeatures paging_features();

// For messages after ExitBootServices: the PL011 of QEMU's `virt` machine, polled. (The loader
// only uses it for its last error messages; the kernel finds its UART through the device tree.)
void write_serial(StringView text);

// The point of no return, after ExitBootServices: interrupts masked, drop from EL2 to EL1 if
// the firmware ran at EL2, MAIR/TCR set up for 48-bit VAs with a 4 KiB granule, the one root
// table in both TTBR0 (identity) and TTBR1 (higher half), MMU and caches on, the fresh stack in
// place, then kernel_entry(boot_info) per AAPCS64 (x0). Never returns.
[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures features);

} // namespace ath::boot::arch
