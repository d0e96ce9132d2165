#pragma once

// What the generic loader asks of the CPU it runs on (riscv64 version; same names as every arch
// folder's Cpu.h). The loader runs in S-mode under U-Boot's UEFI with translation off (satp bare).
#include "../../ElfImage.h"

#include <kernel/lib/StringView.h>

namespace ath::boot::arch {

inline constexpr u16 elf_machine = elf_machine_riscv;

// Sv48 always has 1 GiB leaves and per-page execute permission.
struct PagingFeatures {
    bool huge_1g_pages;
    bool no_execute;
};

u64 read_cycle_counter();
PagingFeatures paging_features();

// For messages after ExitBootServices: the NS16550A of QEMU's `virt` machine, polled.
void write_serial(StringView text);

// The point of no return, after ExitBootServices: supervisor interrupts off, Sv48 with the new
// root in satp, TLB flushed, the fresh stack in place, then kernel_entry(boot_info) per the
// RISC-V psABI (a0). Never returns; if the CPU refuses Sv48 it says so and stops.
[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures features);

} // namespace ath::boot::arch
