// Devices a driver module may own through Device/Irq objects (kernel/object): on the virt board
// the console PL011 — 32-bit registers in one 4 KiB MMIO page, one GIC SPI. Accesses go
// through the kernel's uncached direct map of the UART page, and only to the window described
// here (defence in depth: Device has checked offset and width already).
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/Pl011.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::aarch64 {

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
    u64 base = pl011::console_physical_base();
    if (base == 0 || pl011::console_interrupt() == 0)
        return {};
    // The PL011's registers end at 0xFFC (PrimeCell IDs); 32-bit accesses only.
    return DeviceRegisters { false, base, 0x1000, 4, pl011::console_interrupt() };
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

} // namespace ath::aarch64
