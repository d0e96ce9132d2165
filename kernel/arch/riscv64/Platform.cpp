// Machine control: halt, power-off, the counter.
//
// Power-off reports a status to the host the way x86_64's isa-debug-exit does: the kernel prints
// `athanor: power-off status=N`, then writes FAIL (0x3333) with code (0x10 | N) << 1 | 1 to QEMU
// virt's sifive,test finisher (found in the device tree), which makes QEMU exit with that code,
// so tools/qemu-run decodes one format on every arch. Without a finisher the SBI System Reset
// extension shuts down (no status; qemu-run then reads the status line from the serial log).
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::riscv64 {

StringView Arch::name() { return "riscv64"; }

namespace {
constexpr u32 finisher_fail = 0x3333;
constexpr u64 sbi_system_reset = 0x53525354; // "SRST"
constexpr u64 sbi_legacy_shutdown = 8;
}

void Arch::halt_forever()
{
    disable_interrupts();
    while (true)
        asm volatile("wfi");
}

void Arch::power_off(u8 status)
{
    disable_interrupts();
    println("athanor: power-off status={}", status);
    if (u64 finisher = power_off_device()) {
        // Mapped by the loader's direct map before Mmu::init and by Mmu::init afterwards.
        u32 code = (u32(0x10 | (status & 0xF)) << 1) | 1;
        mmio_write<u32>(mm::direct_map_base + finisher, (code << 16) | finisher_fail);
    }
    sbi_call(sbi_system_reset, 0, 0 /* shutdown */, status == 0 ? 0 : 1 /* system failure */);
    sbi_call(sbi_legacy_shutdown, 0);
    println("athanor: no way to power off (no finisher, no SBI reset): halting");
    halt_forever();
}

// The `time` CSR (the platform timer, timebase-frequency Hz): `cycle` may be disabled for S-mode
// by the SBI firmware's counter-enable setting, `time` never is.
u64 Arch::cycle_counter()
{
    u64 value;
    asm volatile("rdtime %0" : "=r"(value));
    return value;
}

void Arch::wait_for_interrupt()
{
    // WFI wakes for a pending enabled interrupt even while sstatus.SIE masks it, so waiting first
    // and unmasking afterwards cannot lose a wake-up; the trap is taken right after.
    asm volatile("wfi\n csrsi sstatus, 2" ::: "memory");
}

} // namespace ath::riscv64
