#pragma once

// Keeps interrupts masked on this CPU for a scope and restores the previous state afterwards, so
// code that an interrupt handler may also enter (the heap, for one) cannot deadlock against
// itself on a single CPU. Pair it with a SpinLock for other CPUs.
#include <kernel/arch/Arch.h>

namespace ath {

class [[nodiscard]] InterruptsDisabled {
public:
    InterruptsDisabled() : m_were_enabled(Arch::interrupts_enabled()) { Arch::disable_interrupts(); }
    ~InterruptsDisabled()
    {
        if (m_were_enabled)
            Arch::enable_interrupts();
    }
    InterruptsDisabled(const InterruptsDisabled&) = delete;
    InterruptsDisabled& operator=(const InterruptsDisabled&) = delete;

private:
    bool m_were_enabled;
};

} // namespace ath
