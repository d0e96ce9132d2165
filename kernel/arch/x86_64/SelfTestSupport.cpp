// What the generic self-tests need the x86_64 machine to do on purpose.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/SelfTestSupport.h>
#include <kernel/arch/x86_64/VectorRegisterImages.h>
#include <kernel/arch/x86_64/Com1Input.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/arch/x86_64/Serial.h>
#include <kernel/lib/Format.h>

// What a careless interrupt handler might do: every XMM register overwritten (SysvContext.inc).
extern "C" void arch_clobber_vector_registers();

namespace ath::x86_64 {

void FaultTriggers::invalid_opcode() { asm volatile("ud2"); }

void FaultTriggers::breakpoint() { asm volatile("int3"); }

void FaultTriggers::protection_fault()
{
    // A non-canonical address raises #GP, not #PF.
    auto* non_canonical = reinterpret_cast<volatile u64*>(0x8000000000000000ULL);
    (void)*non_canonical;
}

bool FaultTriggers::divide_error()
{
    // divq by zero: the quotient register pair is set so only the divisor is at fault.
    u64 zero = 0;
    asm volatile("xorl %%edx, %%edx\n movl $1, %%eax\n divq %0" : : "r"(zero) : "rax", "rdx");
    return true;
}

namespace {

// Loopback: what COM1 transmits comes straight back as received data (and never reaches the
// wire). The receive interrupt is already enabled by init_com1_input.
class Com1Loopback {
public:
    Com1Loopback() : m_modem(in8(com1 + uart::modem_control))
    {
        out8(com1 + uart::modem_control, m_modem | uart::modem_loopback);
    }
    ~Com1Loopback()
    {
        out8(com1 + uart::modem_control, m_modem);
        while (com1_read().has_value()) { } // the test's own bytes are not input
    }

private:
    u8 m_modem;
};

} // namespace

ErrorOr Arch::self_test_fp_state_across_interrupts()
{
    arch_common::RegisterImages<usize(16) * 16> images; // xmm0-xmm15
    bool were_enabled = interrupts_enabled();
    disable_interrupts();
    Com1Loopback loopback;
    set_com1_interrupt_hook(arch_clobber_vector_registers);
    u32 before = com1_interrupt_count();
    auto* counter = &com1_interrupt_counter();
    // All in one asm block so the compiler cannot touch XMM between loading and checking: load
    // every register, enable interrupts, make COM1 interrupt (loopback byte), wait for the handler
    // (bounded), then store every register.
    asm volatile(ATH_LOAD_XMM0_15_FROM_IN
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
                 ATH_STORE_XMM0_15_TO_OUT
                 :
                 : [in] "r"(images.expected), [out] "r"(images.seen), [counter] "r"(counter), [before] "r"(before),
                   [port] "i"(com1 + uart::data)
                 : "rax", "rcx", "rdx", "memory", "cc", ATH_XMM0_15_CLOBBERS);
    set_com1_interrupt_hook(nullptr);
    u32 after = com1_interrupt_count();
    if (were_enabled)
        enable_interrupts();
    return images.verdict(before, after, "the COM1 interrupt never arrived",
                          "an XMM register changed across an interrupt");
}

ErrorOr Arch::self_test_device_interrupt()
{
    bool were_enabled = interrupts_enabled();
    enable_interrupts();
    ErrorOr verdict;
    {
        Com1Loopback loopback;
        u32 before = com1_interrupt_count();
        out8(com1 + uart::data, 0x5A);
        // Generous: emulated under host load.
        if (!arch_common::wait_for_count_change(com1_interrupt_counter(), before, 2'000'000'000,
                                                [] { asm volatile("pause"); }))
            verdict = Error::from(ErrorCode::TimedOut, "no COM1 interrupt arrived through the I/O APIC within 2 s");
        else if (com1_read() != Optional<u8>(0x5A))
            verdict = Error::from(ErrorCode::Invalid, "the COM1 handler did not buffer the looped-back byte");
    }
    if (!were_enabled)
        disable_interrupts();
    return verdict;
}

ReadonlyBytes Arch::return_instruction()
{
    static constexpr u8 instruction[] = { 0xC3 }; // ret
    return ReadonlyBytes(instruction, sizeof(instruction));
}

} // namespace ath::x86_64
