// Devices a driver module may own through Device/Irq objects (kernel/object): on PC hardware the
// console UART, COM1 — eight byte-wide 16550 registers at I/O ports 0x3F8..0x3FF, ISA IRQ 4.
// This arch describes port windows only, so every access here is port I/O.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/arch/x86_64/Serial.h>

namespace ath::x86_64 {

namespace {

u16 port_of(const DeviceRegisters& registers, u64 offset) { return static_cast<u16>(registers.base + offset); }

u32 in_width(u16 port, u32 width)
{
    if (width == 1)
        return in8(port);
    if (width == 2) {
        u16 value;
        asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
        return value;
    }
    u32 value;
    asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void out_width(u16 port, u32 width, u32 value)
{
    if (width == 1)
        out8(port, static_cast<u8>(value));
    else if (width == 2)
        asm volatile("outw %0, %1" : : "a"(static_cast<u16>(value)), "Nd"(port));
    else
        out32(port, value);
}

} // namespace

ConsoleUartKind Arch::console_uart_kind() { return ConsoleUartKind::Ns16550; }

Optional<DeviceRegisters> Arch::console_uart_device()
{
    return DeviceRegisters { true, com1, 8, 1, com1_isa_irq };
}

u64 Arch::device_read(const DeviceRegisters& registers, u64 offset, u32 width)
{
    if (!registers.port_io || width > 4)
        return ~0ull; // no MMIO or 64-bit port windows on this arch: reads float high
    return in_width(port_of(registers, offset), width);
}

void Arch::device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value)
{
    if (registers.port_io && width <= 4)
        out_width(port_of(registers, offset), width, static_cast<u32>(value));
}

} // namespace ath::x86_64
