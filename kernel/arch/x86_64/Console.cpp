// COM1 (16550 UART at 0x3F8) as the kernel's early console: 115200 8N1, polled transmit and receive.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Com1Input.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/arch/x86_64/Serial.h>

namespace ath::x86_64 {

void Arch::console_init()
{
    out8(com1 + uart::interrupt_enable, 0x00);
    out8(com1 + uart::line_control, 0x80); // DLAB: the next two registers are the divisor
    out8(com1 + uart::divisor_low, 0x01);  // 115200 / 1
    out8(com1 + uart::divisor_high, 0x00);
    out8(com1 + uart::line_control, 0x03); // 8 data bits, no parity, one stop bit
    out8(com1 + uart::fifo_control, 0xC7); // enable and clear FIFOs, 14-byte threshold
    out8(com1 + uart::modem_control, 0x0B); // DTR, RTS, OUT2 (OUT2 gates the IRQ line)
}

void Arch::console_putc(char character)
{
    // Bounded wait: a UART that never drains must not hang the kernel (the message is dropped).
    for (u32 spins = 0; spins < 100000; ++spins) {
        if (in8(com1 + uart::line_status) & uart::transmit_empty)
            break;
    }
    out8(com1 + uart::data, static_cast<u8>(character));
}

Optional<u8> Arch::console_getc()
{
    // What the kernel's receive interrupt (Com1Input.cpp) already took comes first, then the FIFO.
    if (auto byte = com1_read(); byte.has_value())
        return byte;
    if (in8(com1 + uart::line_status) & uart::data_ready)
        return in8(com1 + uart::data);
    return {};
}

} // namespace ath::x86_64
