#pragma once

// The usermode port's own pieces shared between its files (never included by generic code).
#include <kernel/lib/Types.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::usermode {

// The kernel's half as this port places it in the process: reserved PROT_NONE at boot, then
// mapped page by page as the software page tables say (Mmu.cpp).
inline constexpr u64 kernel_half_base = boot::kernel_half_base;
inline constexpr u64 kernel_half_size = mm::kernel_windows_end - boot::kernel_half_base;
static_assert(mm::kernel_windows_end <= 0x00007FF000000000ULL, "the layout must fit in the Linux user half");

// Boot.cpp -> Mmu.cpp: the memfd that is physical memory, and the loader's table root.
void set_ram(int fd, u64 bytes);
void set_loader_table_root(u64 root);

// Signals.cpp: the signal handlers (faults, the timer) and the interrupt mask.
void install_signal_handlers();
void start_timer_signal(u64 period_us);
// Timer signals delivered so far, and a function the timer signal's handler calls first (the
// FP/vector state self-test's clobber).
extern volatile u64 g_timer_signals;
extern void (*volatile g_timer_signal_hook)();

} // namespace ath::usermode
