#pragma once

// One interrupt line's handler as every port keeps it. A kernel handler installed as *yielding*
// (install_yielding_irq_handler: the console UART's receive interrupt) gives the line to one
// claimant (a driver's Irq object) and gets it back when the claimant removes its handler.
// Callers hold interrupts off (InterruptsDisabled) around claim/release.
#include <kernel/arch/Arch.h>
#include <kernel/lib/Result.h>

namespace ath::arch_common {

struct IrqSlot {
    IrqHandler handler { nullptr };
    void* context { nullptr };
    bool yields { false };                   // a kernel handler that gives the line to a claimant
    IrqHandler displaced_handler { nullptr }; // the yielding handler a claimant displaced
    void* displaced_context { nullptr };

    // Installs `handler`: into a free slot, or over a yielding kernel handler (which is kept to be
    // restored). False when the line is taken (a non-yielding handler, a claimant already in,
    // or a second yielding handler).
    bool claim(IrqHandler new_handler, void* new_context, bool new_yields)
    {
        if (handler && (!yields || new_yields || displaced_handler))
            return false;
        if (handler)
            *this = IrqSlot { new_handler, new_context, false, handler, context };
        else
            *this = IrqSlot { new_handler, new_context, new_yields, nullptr, nullptr };
        return true;
    }

    // Removes the handler; true when a displaced kernel handler got the line back (the caller
    // then leaves the line enabled for it).
    bool release()
    {
        if (displaced_handler) {
            *this = IrqSlot { displaced_handler, displaced_context, true, nullptr, nullptr };
            return true;
        }
        *this = IrqSlot {};
        return false;
    }

    void dispatch() const
    {
        if (handler)
            handler(context);
    }
};

} // namespace ath::arch_common
