#pragma once

// What the generic loader asks of the CPU it runs on (x86_64 version). Every arch folder provides
// a Cpu.h with these names.
#include "../../ElfImage.h"

#include <kernel/lib/StringView.h>

namespace ath::boot::arch {

inline constexpr u16 elf_machine = elf_machine_x86_64;

struct PagingFeatures {
    bool huge_1g_pages;
    bool no_execute;
};

u64 read_cycle_counter();
PagingFeatures paging_features();

// For messages after ExitBootServices, when the firmware console is gone (COM1, polled).
void write_serial(StringView text);

// The point of no return, after ExitBootServices: interrupts off, no-execute and write-protect
// enforced, the new tables loaded, the fresh stack in place, then kernel_entry(boot_info) with
// the kernel's calling convention (SysV on x86_64). Never returns.
[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures features);

} // namespace ath::boot::arch
