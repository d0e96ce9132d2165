// Devices a driver module may own through Device/Irq objects (kernel/object): on the virt board
// the console NS16550A — eight registers `reg-shift` apart in MMIO, one PLIC source. Accesses go
// through kernel/arch/common/MmioDeviceWindow.h, only to the window described here.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/MmioDeviceWindow.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>

namespace ath::riscv64 {

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
    return arch_common::mmio_device_read(registers, offset, width);
}

void Arch::device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value)
{
    arch_common::mmio_device_write(registers, offset, width, value);
}

} // namespace ath::riscv64
