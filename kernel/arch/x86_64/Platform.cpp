// Machine control on q35/PC hardware: halt, power-off through QEMU's isa-debug-exit, TSC.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/lib/Format.h>

namespace ath::x86_64 {

StringView Arch::name() { return "x86_64"; }

namespace {
// QEMU -device isa-debug-exit,iobase=0xf4,iosize=0x04 (boot contract).
constexpr u16 debug_exit_port = 0xF4;
}

void Arch::halt_forever()
{
    while (true)
        asm volatile("cli; hlt");
}

void Arch::power_off(u8 status)
{
    disable_interrupts();
    println("athanor: power-off status={}", status);
    out32(debug_exit_port, 0x10u | (status & 0xFu));
    // Not under QEMU (or no debug-exit device): nothing more we can do safely.
    halt_forever();
}

u64 Arch::cycle_counter() { return read_tsc(); }

void Arch::wait_for_interrupt()
{
    // sti takes effect after the next instruction, so no interrupt can slip in between.
    asm volatile("sti; hlt" ::: "memory");
}

} // namespace ath::x86_64
