// CPU setup: the trap vector (stvec, direct mode), the FPU on (sstatus.FS), and the supervisor
// interrupt enable (sstatus.SIE, bit 1) as the interrupt mask.
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/TrapFrame.h>

extern "C" const ath::u8 riscv64_trap_entry[];

namespace ath::riscv64 {

namespace {
constexpr u64 sstatus_interrupts = 1ULL << 1;
constexpr u64 sstatus_fpu_initial = 1ULL << 13;
}

void Arch::init_cpu()
{
    ATH_SET_CSR(sstatus, sstatus_fpu_initial);
    ATH_WRITE_CSR(stvec, reinterpret_cast<u64>(riscv64_trap_entry));
    ATH_WRITE_CSR(sscratch, 0);
}

bool Arch::interrupts_enabled() { return (ATH_READ_CSR(sstatus) & sstatus_interrupts) != 0; }
void Arch::enable_interrupts() { ATH_SET_CSR(sstatus, sstatus_interrupts); }
void Arch::disable_interrupts() { ATH_CLEAR_CSR(sstatus, sstatus_interrupts); }

} // namespace ath::riscv64
