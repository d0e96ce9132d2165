#pragma once

#include <kernel/arch/Arch.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>

namespace ath::x86_64 {

// Installs the COM1 (IRQ 4) receive handler and enables the UART's receive interrupt.
ErrorOr init_com1_input();
// The oldest received byte not yet read, if any.
Optional<u8> com1_read();
u32 com1_interrupt_count();
// The counter itself, for code that must watch it without calling out (an asm loop).
const volatile u32& com1_interrupt_counter();

// Self-tests only: a function the COM1 handler calls first (e.g. to clobber registers), or null.
using InterruptHook = void (*)();
void set_com1_interrupt_hook(InterruptHook hook);

} // namespace ath::x86_64
