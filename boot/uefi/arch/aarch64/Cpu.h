#pragma once

// The loader's CPU interface (boot/uefi/LoaderCpu.h), aarch64 version.
// - paging_features: both always true on ARMv8-A with a 4 KiB granule (1 GiB blocks at level 1,
//   PXN/UXN).
// - write_serial: the PL011 of QEMU's `virt` machine (the kernel finds its UART through the device
//   tree).
// - enter_kernel: interrupts masked, drop from EL2 to EL1 if the firmware ran at EL2, MAIR/TCR set
//   up for 48-bit VAs with a 4 KiB granule, the one root table in both TTBR0 (identity) and TTBR1
//   (higher half), MMU and caches on, then kernel_entry(boot_info) per AAPCS64 (x0).
#include "../../LoaderCpu.h"

namespace ath::boot::arch {
inline constexpr u16 elf_machine = elf_machine_aarch64;
}
