// COM1 receive path: IRQ 4, routed through the I/O APIC at boot, drains the UART into a small ring
// buffer (the kernel's serial input until a console driver module takes over the device; the
// console object reads it through Arch::console_getc). When the buffer is full the handler turns
// the receive interrupt off and leaves the rest in the UART, whose sender then waits (nothing is
// dropped); reading a byte turns it back on.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/x86_64/Com1Input.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/arch/x86_64/Serial.h>

namespace ath::x86_64 {

namespace {

constexpr usize buffer_size = 256; // a power of two: indices wrap with a mask
u8 g_buffer[buffer_size];
volatile usize g_head = 0; // next write (interrupt context)
volatile usize g_tail = 0; // next read
volatile u32 g_interrupts = 0;
volatile bool g_paused = false; // full: the receive interrupt is off until a byte is read
InterruptHook g_hook = nullptr;

void com1_interrupt(void*)
{
    if (g_hook)
        g_hook();
    while (in8(com1 + uart::line_status) & uart::data_ready) {
        if (g_head - g_tail == buffer_size) {
            out8(com1 + uart::interrupt_enable, 0x00);
            g_paused = true;
            break;
        }
        u8 byte = in8(com1 + uart::data);
        g_buffer[g_head % buffer_size] = byte;
        g_head = g_head + 1;
    }
    (void)in8(com1 + uart::interrupt_identification);
    g_interrupts = g_interrupts + 1;
}

} // namespace

ErrorOr init_com1_input()
{
    // Yielding: a driver's Irq object on COM1 takes the line over while it exists.
    TRY(install_yielding_irq_handler(com1_isa_irq, com1_interrupt, nullptr));
    while (in8(com1 + uart::line_status) & uart::data_ready)
        (void)in8(com1 + uart::data);
    out8(com1 + uart::interrupt_enable, 0x01); // received data available
    return {};
}

Optional<u8> com1_read()
{
    bool were_enabled = Arch::interrupts_enabled();
    Arch::disable_interrupts();
    Optional<u8> byte;
    if (g_tail != g_head) {
        byte = g_buffer[g_tail % buffer_size];
        g_tail = g_tail + 1;
        if (g_paused) {
            g_paused = false;
            out8(com1 + uart::interrupt_enable, 0x01); // received data available
        }
    }
    if (were_enabled)
        Arch::enable_interrupts();
    return byte;
}

u32 com1_interrupt_count() { return g_interrupts; }
const volatile u32& com1_interrupt_counter() { return g_interrupts; }
void set_com1_interrupt_hook(InterruptHook hook) { g_hook = hook; }

} // namespace ath::x86_64
