// Devices a driver module may own through Device/Irq objects (kernel/object): on the virt board
// the console PL011 — 32-bit registers in one 4 KiB MMIO page, one GIC SPI. Accesses go
// through kernel/arch/common/MmioDeviceWindow.h, only to the window described here.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/MmioDeviceWindow.h>
#include <kernel/arch/aarch64/Pl011.h>
#include <kernel/arch/aarch64/SystemRegisters.h>

namespace ath::aarch64 {

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
    return arch_common::mmio_device_read(registers, offset, width);
}

void Arch::device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value)
{
    arch_common::mmio_device_write(registers, offset, width, value);
}

} // namespace ath::aarch64
