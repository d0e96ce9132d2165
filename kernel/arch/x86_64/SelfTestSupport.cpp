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
bool g_clobber_vector_registers = false;

// What a careless interrupt handler might do: every XMM register overwritten.
void clobber_vector_registers()
{
    asm volatile("pcmpeqd %%xmm0, %%xmm0\n pcmpeqd %%xmm1, %%xmm1\n pcmpeqd %%xmm2, %%xmm2\n pcmpeqd %%xmm3, %%xmm3\n"
                 "pcmpeqd %%xmm4, %%xmm4\n pcmpeqd %%xmm5, %%xmm5\n pcmpeqd %%xmm6, %%xmm6\n pcmpeqd %%xmm7, %%xmm7\n"
                 "pcmpeqd %%xmm8, %%xmm8\n pcmpeqd %%xmm9, %%xmm9\n pcmpeqd %%xmm10, %%xmm10\n pcmpeqd %%xmm11, %%xmm11\n"
                 "pcmpeqd %%xmm12, %%xmm12\n pcmpeqd %%xmm13, %%xmm13\n pcmpeqd %%xmm14, %%xmm14\n pcmpeqd %%xmm15, %%xmm15\n"
                 :
                 :
                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                   "xmm12", "xmm13", "xmm14", "xmm15");
}

void com1_interrupt(void*)
{
    if (g_clobber_vector_registers)
        clobber_vector_registers();
    // Drain what arrived (and so clear the "data available" condition).
    while (in8(com1 + uart::line_status) & uart::data_ready)
        (void)in8(com1 + uart::data);
    (void)in8(com1 + uart::interrupt_identification);
    g_com1_interrupts = g_com1_interrupts + 1;
}

bool g_com1_handler_installed = false;

ErrorOr ensure_com1_handler()
{
    if (!g_com1_handler_installed) {
        TRY(Arch::install_irq_handler(com1_isa_irq, com1_interrupt, nullptr));
        g_com1_handler_installed = true;
    }
    return {};
}

} // namespace

ErrorOr Arch::self_test_fp_state_across_interrupts()
{
    TRY(ensure_com1_handler());
    alignas(16) u8 expected[16 * 16];
    alignas(16) u8 seen[16 * 16];
    for (usize i = 0; i < sizeof(expected); ++i) {
        expected[i] = static_cast<u8>(i * 7 + 3);
        seen[i] = 0;
    }
    bool were_enabled = interrupts_enabled();
    u8 modem = in8(com1 + uart::modem_control);
    out8(com1 + uart::modem_control, modem | uart::modem_loopback);
    out8(com1 + uart::interrupt_enable, 0x01);
    g_clobber_vector_registers = true;
    u32 before = g_com1_interrupts;
    // All in one asm block so the compiler cannot touch XMM between loading and checking: load
    // every register, enable interrupts, make COM1 interrupt (loopback byte), wait for the handler
    // (bounded), then store every register.
    asm volatile("movdqa 0(%[in]), %%xmm0\n movdqa 16(%[in]), %%xmm1\n movdqa 32(%[in]), %%xmm2\n"
                 "movdqa 48(%[in]), %%xmm3\n movdqa 64(%[in]), %%xmm4\n movdqa 80(%[in]), %%xmm5\n"
                 "movdqa 96(%[in]), %%xmm6\n movdqa 112(%[in]), %%xmm7\n movdqa 128(%[in]), %%xmm8\n"
                 "movdqa 144(%[in]), %%xmm9\n movdqa 160(%[in]), %%xmm10\n movdqa 176(%[in]), %%xmm11\n"
                 "movdqa 192(%[in]), %%xmm12\n movdqa 208(%[in]), %%xmm13\n movdqa 224(%[in]), %%xmm14\n"
                 "movdqa 240(%[in]), %%xmm15\n"
                 "sti\n"
                 "movb $0x5A, %%al\n"
                 "movw %[port], %%dx\n"
                 "outb %%al, %%dx\n"
                 "movl $100000000, %%ecx\n"
                 "1: pause\n"
                 "cmpl %[before], (%[counter])\n"
                 "jne 2f\n"
                 "decl %%ecx\n"
                 "jnz 1b\n"
                 "2: cli\n"
                 "movdqa %%xmm0, 0(%[out])\n movdqa %%xmm1, 16(%[out])\n movdqa %%xmm2, 32(%[out])\n"
                 "movdqa %%xmm3, 48(%[out])\n movdqa %%xmm4, 64(%[out])\n movdqa %%xmm5, 80(%[out])\n"
                 "movdqa %%xmm6, 96(%[out])\n movdqa %%xmm7, 112(%[out])\n movdqa %%xmm8, 128(%[out])\n"
                 "movdqa %%xmm9, 144(%[out])\n movdqa %%xmm10, 160(%[out])\n movdqa %%xmm11, 176(%[out])\n"
                 "movdqa %%xmm12, 192(%[out])\n movdqa %%xmm13, 208(%[out])\n movdqa %%xmm14, 224(%[out])\n"
                 "movdqa %%xmm15, 240(%[out])\n"
                 :
                 : [in] "r"(expected), [out] "r"(seen), [counter] "r"(&g_com1_interrupts), [before] "r"(before),
                   [port] "i"(com1 + uart::data)
                 : "rax", "rcx", "rdx", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    g_clobber_vector_registers = false;
    u32 after = g_com1_interrupts;
    out8(com1 + uart::interrupt_enable, 0x00);
    out8(com1 + uart::modem_control, modem);
    while (in8(com1 + uart::line_status) & uart::data_ready)
        (void)in8(com1 + uart::data);
    if (were_enabled)
        enable_interrupts();
    if (after == before)
        return Error::from(ErrorCode::TimedOut, "the COM1 interrupt never arrived");
    for (usize i = 0; i < sizeof(expected); ++i) {
        if (seen[i] != expected[i])
            return Error::from(ErrorCode::Invalid, "an XMM register changed across an interrupt");
    }
    return {};
}

ErrorOr Arch::self_test_device_interrupt()
{
    TRY(ensure_com1_handler());
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
