// CPU setup: the exception vectors, FP/SIMD without traps (the Wasm engine needs them), and the
// interrupt mask in PSTATE.DAIF (I = bit 7).
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/SystemRegisters.h>

extern "C" const ath::u8 aarch64_exception_vectors[];

namespace ath::aarch64 {

void Arch::init_cpu()
{
    ATH_WRITE_SYSREG(cpacr_el1, u64(3) << 20); // FPEN: FP/SIMD at EL1 without traps
    ATH_WRITE_SYSREG(vbar_el1, reinterpret_cast<u64>(aarch64_exception_vectors));
    // SError and debug exceptions unmasked; IRQ/FIQ stay masked until enable_interrupts().
    asm volatile("msr daifclr, #0xc" ::: "memory");
    instruction_barrier();
}

bool Arch::interrupts_enabled() { return (ATH_READ_SYSREG(daif) & (u64(1) << 7)) == 0; }
void Arch::enable_interrupts() { asm volatile("msr daifclr, #2" ::: "memory"); }
void Arch::disable_interrupts() { asm volatile("msr daifset, #2" ::: "memory"); }

} // namespace ath::aarch64
