#pragma once

// Interrupt lines and the periodic tick as every port keeps them: install_irq_handler (plain or
// yielding), mask_irq, unmask_irq, remove_irq_handler, set_timer_tick_handler, timer_ticks and
// timer_frequency_hz are kernel/arch/common/IrqLines.cpp, over what the port's interrupt
// controller says through IrqControllerPort (declared once here, defined in the port's
// interrupt-controller file). Each line keeps its handler in an IrqSlot (common/IrqSlot.h).
#include <kernel/arch/common/IrqSlot.h>
#include ATH_ARCH_PORT_HEADER

namespace ath::ATH_ARCH_NAMESPACE {

// Every port programs its periodic tick at this rate.
inline constexpr u64 tick_hz = 1000;

struct IrqControllerPort {
    // The line the interface's `irq` number names (IrqLine: kernel/arch/<arch>/Port.h); none when
    // the controller is not initialised or does not route that number.
    static Optional<IrqLine> line(u32 irq);
    static arch_common::IrqSlot& slot(const IrqLine& line);
    // Starts or stops delivery of the line at the controller; callable from the line's own
    // handler and with interrupts enabled.
    static void set_enabled(const IrqLine& line, bool enabled);
    // Checks `irq` and the handler, claims the line's slot (IrqSlot::claim, interrupts off) and
    // routes and enables the line.
    static ErrorOr install(u32 irq, IrqHandler handler, void* context, bool yields);
};

// A kernel handler (the console UART's receive interrupt, the UART self-tests) that gives the line
// to whoever installs a handler through Arch::install_irq_handler (an Irq object) and gets it
// back, enabled, at Arch::remove_irq_handler.
ErrorOr install_yielding_irq_handler(u32 irq, IrqHandler handler, void* context);

// The part of every port's timer interrupt after it rearmed the timer: counts the tick and calls
// the handler set_timer_tick_handler installed.
void count_timer_tick();

} // namespace ath::ATH_ARCH_NAMESPACE
