#pragma once

// What the ports' self-test hooks (kernel/arch/<arch>/SelfTestSupport.cpp) share around their own
// instructions and devices: Arch::trigger_fault over the port's FaultTriggers, waiting for a
// device interrupt, and judging the FP/vector state test.
#include <kernel/arch/Arch.h>

namespace ath::ATH_ARCH_NAMESPACE {

// The instructions Arch::trigger_fault (kernel/arch/common/SelfTestSupport.cpp) runs for each
// FaultKind it can raise; declared once here, defined by each port. Each faults (the caller runs
// it under run_catching_faults) except divide_error where integer division by zero does not
// trap: there it runs the division anyway, so a trap would still be reported, and answers false
// ("this arch cannot raise it").
struct FaultTriggers {
    static void invalid_opcode();
    static void breakpoint();
    static void protection_fault();
    static bool divide_error();
};

} // namespace ath::ATH_ARCH_NAMESPACE

namespace ath::arch_common {

// The console UART interrupt the device-tree ports' self-tests raise: a handler that counts, and
// first overwrites every FP/vector register while `clobber_registers` is set (what a careless
// handler might do), installed once as the line's yielding handler so a driver's Irq object can
// still take the line.
struct SelfTestUartInterrupt {
    void (*acknowledge)();     // the port's device work in the handler (mask or drain the source)
    void (*clobber)();         // overwrites every FP/vector register
    volatile u32 count = 0;
    bool clobber_registers = false;
    bool installed = false;

    // Installs the handler on `irq` the first time; irq 0 means the device tree gave the console
    // UART no interrupt.
    ErrorOr ensure_installed(u32 irq);
};

// Waits, by the clock, until an interrupt handler's `counter` moves past `before`, at most
// timeout_ns; `relax` runs every turn (the CPU's spin hint). True when it moved.
template<typename Relax>
bool wait_for_count_change(const volatile u32& counter, u32 before, u64 timeout_ns, Relax relax)
{
    u64 deadline = Arch::clock_nanoseconds() + timeout_ns;
    while (counter == before && Arch::clock_nanoseconds() < deadline)
        relax();
    return counter != before;
}

// The verdict of self_test_fp_state_across_interrupts once the port's asm block loaded `expected`
// into every FP/vector register, waited for the interrupt and stored the registers to `seen`:
// the handler's count must have moved from `before` to `after`, and every byte come back.
inline ErrorOr fp_state_verdict(u32 before, u32 after, ReadonlyBytes expected, ReadonlyBytes seen,
                                const char* no_interrupt, const char* changed)
{
    if (after == before)
        return Error::from(ErrorCode::TimedOut, no_interrupt);
    for (usize i = 0; i < expected.size(); ++i) {
        if (seen[i] != expected[i])
            return Error::from(ErrorCode::Invalid, changed);
    }
    return {};
}

// The register images of the FP/vector state test: `expected` (a byte pattern no register holds
// by chance) is loaded into every register, `seen` receives the registers back.
template<usize Size>
struct RegisterImages {
    alignas(16) u8 expected[Size];
    alignas(16) u8 seen[Size] {};

    RegisterImages()
    {
        for (usize i = 0; i < Size; ++i)
            expected[i] = static_cast<u8>(i * 7 + 3);
    }

    ErrorOr verdict(u32 before, u32 after, const char* no_interrupt, const char* changed) const
    {
        return fp_state_verdict(before, after, ReadonlyBytes(expected, Size), ReadonlyBytes(seen, Size), no_interrupt,
                                changed);
    }
};

} // namespace ath::arch_common
