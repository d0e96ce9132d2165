#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/arch/common/IrqLines.h>

namespace ath::ATH_ARCH_NAMESPACE {

namespace {

volatile u64 g_ticks = 0;
IrqHandler g_tick_handler = nullptr;
void* g_tick_context = nullptr;

} // namespace

ErrorOr Arch::install_irq_handler(u32 irq, IrqHandler handler, void* context)
{
    return IrqControllerPort::install(irq, handler, context, false);
}

ErrorOr install_yielding_irq_handler(u32 irq, IrqHandler handler, void* context)
{
    return IrqControllerPort::install(irq, handler, context, true);
}

void Arch::mask_irq(u32 irq)
{
    if (auto line = IrqControllerPort::line(irq); line.has_value())
        IrqControllerPort::set_enabled(*line, false);
}

void Arch::unmask_irq(u32 irq)
{
    if (auto line = IrqControllerPort::line(irq); line.has_value())
        IrqControllerPort::set_enabled(*line, true);
}

void Arch::remove_irq_handler(u32 irq)
{
    auto line = IrqControllerPort::line(irq);
    if (!line.has_value())
        return;
    InterruptsDisabled no_interrupts;
    IrqControllerPort::set_enabled(*line, false);
    if (IrqControllerPort::slot(*line).release())
        IrqControllerPort::set_enabled(*line, true); // the kernel's handler had the line enabled
}

void count_timer_tick()
{
    g_ticks = g_ticks + 1;
    if (g_tick_handler)
        g_tick_handler(g_tick_context);
}

void Arch::set_timer_tick_handler(IrqHandler handler, void* context)
{
    // Interrupts off so the tick never sees a handler without its context.
    InterruptsDisabled no_interrupts;
    g_tick_context = context;
    g_tick_handler = handler;
}

u64 Arch::timer_ticks() { return g_ticks; }
u64 Arch::timer_frequency_hz() { return tick_hz; }

} // namespace ath::ATH_ARCH_NAMESPACE
