#pragma once

// The loader's CPU interface (boot/uefi/LoaderCpu.h), riscv64 version. The loader runs in S-mode
// under U-Boot's UEFI with translation off (satp bare).
// - paging_features: Sv48 always has 1 GiB leaves and per-page execute permission.
// - write_serial: the NS16550A of QEMU's `virt` machine.
// - enter_kernel: supervisor interrupts off, Sv48 with the new root in satp, TLB flushed, then
//   kernel_entry(boot_info) per the RISC-V psABI (a0); if the CPU refuses Sv48 it says so and stops.
#include "../../LoaderCpu.h"

namespace ath::boot::arch {
inline constexpr u16 elf_machine = elf_machine_riscv;
}
