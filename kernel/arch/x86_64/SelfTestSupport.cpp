// What the generic self-tests need the x86_64 machine to do on purpose.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/arch/x86_64/Serial.h>
#include <kernel/lib/Format.h>

namespace ath::x86_64 {

bool Arch::trigger_fault(FaultKind kind)
{
    switch (kind) {
    case FaultKind::InvalidOpcode:
        asm volatile("ud2");
        return true;
    case FaultKind::Breakpoint:
        asm volatile("int3");
        return true;
    case FaultKind::DivideError: {
        // divq by zero: the quotient register pair is set so only the divisor is at fault.
        u64 zero = 0;
        asm volatile("xorl %%edx, %%edx\n movl $1, %%eax\n divq %0" : : "r"(zero) : "rax", "rdx");
        return true;
    }
    case FaultKind::ProtectionFault: {
        // A non-canonical address raises #GP, not #PF.
        auto* non_canonical = reinterpret_cast<volatile u64*>(0x8000000000000000ULL);
        (void)*non_canonical;
        return true;
    }
    default:
        return false;
    }
}

namespace {

volatile u32 g_com1_interrupts = 0;

void com1_interrupt(void*)
{
    // Drain what arrived (and so clear the "data available" condition).
    while (in8(com1 + uart::line_status) & uart::data_ready)
        (void)in8(com1 + uart::data);
    (void)in8(com1 + uart::interrupt_identification);
    g_com1_interrupts = g_com1_interrupts + 1;
}

bool g_com1_handler_installed = false;

} // namespace

ErrorOr Arch::self_test_device_interrupt()
{
    if (!g_com1_handler_installed) {
        TRY(install_irq_handler(com1_isa_irq, com1_interrupt, nullptr));
        g_com1_handler_installed = true;
    }
    bool were_enabled = interrupts_enabled();
    enable_interrupts();
    // Loopback: what COM1 transmits comes straight back as received data (and never reaches the
    // wire), raising "received data available" on IRQ 4.
    u32 before = g_com1_interrupts;
    u8 modem = in8(com1 + uart::modem_control);
    out8(com1 + uart::modem_control, modem | uart::modem_loopback);
    out8(com1 + uart::interrupt_enable, 0x01);
    out8(com1 + uart::data, 0x5A);
    u64 deadline = clock_nanoseconds() + 500'000'000;
    while (g_com1_interrupts == before && clock_nanoseconds() < deadline)
        asm volatile("pause");
    out8(com1 + uart::interrupt_enable, 0x00);
    out8(com1 + uart::modem_control, modem);
    while (in8(com1 + uart::line_status) & uart::data_ready)
        (void)in8(com1 + uart::data);
    if (!were_enabled)
        disable_interrupts();
    if (g_com1_interrupts == before)
        return Error::from(ErrorCode::TimedOut, "no COM1 interrupt arrived through the I/O APIC within 500 ms");
    return {};
}

} // namespace ath::x86_64
