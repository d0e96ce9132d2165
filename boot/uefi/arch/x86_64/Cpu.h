#pragma once

// The loader's CPU interface (boot/uefi/LoaderCpu.h), x86_64 version.
// - paging_features: CPUID tells whether 1 GiB pages and no-execute exist.
// - write_serial: COM1, polled.
// - enter_kernel: interrupts off, no-execute and write-protect enforced, the new tables loaded,
//   then kernel_entry(boot_info) with the kernel's calling convention (SysV).
#include "../../LoaderCpu.h"

namespace ath::boot::arch {
inline constexpr u16 elf_machine = elf_machine_x86_64;
}
