#pragma once

// Arch-internal interrupt-line helpers (InterruptController.cpp).
#include <kernel/arch/Arch.h>

namespace ath::aarch64 {

// A kernel handler (the UART interrupt self-tests) that gives the line to whoever installs a
// handler through Arch::install_irq_handler (an Irq object) and gets it back, enabled, at
// Arch::remove_irq_handler.
ErrorOr install_yielding_irq_handler(u32 irq, IrqHandler handler, void* context);

} // namespace ath::aarch64
