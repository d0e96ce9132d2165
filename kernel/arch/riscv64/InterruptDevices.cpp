// Devices a driver module may own through Device/Irq objects (kernel/object): on the virt board
// the console NS16550A — eight registers `reg-shift` apart in MMIO, one PLIC source. Accesses go
// through the kernel's uncached direct map of the UART page, and only to the window described
// here (defence in depth: Device has checked offset and width already).
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::riscv64 {

namespace {

Optional<u64> address_of(const DeviceRegisters& registers, u64 offset, u32 width)
{
    auto device = Arch::console_uart_device();
    if (registers.port_io || !device.has_value() || registers.base != device->base || registers.length != device->length
        || offset >= device->length || device->length - offset < width)
        return {};
    return mm::direct_map_base + registers.base + offset;
}

} // namespace

Optional<DeviceRegisters> Arch::console_uart_device()
{
    u64 base = uart::physical_base();
    if (base == 0 || uart::plic_source() == 0)
        return {};
    u64 stride = uart::register_address(1) - uart::register_address(0);
    u8 widths = stride >= 4 ? u8(1 | 4) : u8(1);
    return DeviceRegisters { false, base, 8 * stride, widths, uart::plic_source() };
}

u64 Arch::device_read(const DeviceRegisters& registers, u64 offset, u32 width)
{
    auto address = address_of(registers, offset, width);
    if (!address.has_value())
        return ~0ull;
    if (width == 1)
        return mmio_read<u8>(*address);
    if (width == 2)
        return mmio_read<u16>(*address);
    if (width == 4)
        return mmio_read<u32>(*address);
    return mmio_read<u64>(*address);
}

void Arch::device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value)
{
    auto address = address_of(registers, offset, width);
    if (!address.has_value())
        return;
    if (width == 1)
        mmio_write<u8>(*address, static_cast<u8>(value));
    else if (width == 2)
        mmio_write<u16>(*address, static_cast<u16>(value));
    else if (width == 4)
        mmio_write<u32>(*address, static_cast<u32>(value));
    else
        mmio_write<u64>(*address, value);
}

} // namespace ath::riscv64
