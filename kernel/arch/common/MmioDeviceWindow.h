#pragma once

// Arch::device_read / device_write for the ports whose driver-visible devices are MMIO windows
// (aarch64, riscv64). Accesses go through the kernel's uncached direct map and only to the window
// Arch::console_uart_device() describes (defence in depth: object::Device has checked offset and
// width already); anything else reads all ones and drops writes.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/Mmio.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::arch_common {

inline Optional<u64> device_window_address(const DeviceRegisters& registers, u64 offset, u32 width)
{
    auto device = Arch::console_uart_device();
    if (registers.port_io || !device.has_value() || registers.base != device->base || registers.length != device->length
        || offset >= device->length || device->length - offset < width)
        return {};
    return mm::direct_map_base + registers.base + offset;
}

inline u64 mmio_device_read(const DeviceRegisters& registers, u64 offset, u32 width)
{
    auto address = device_window_address(registers, offset, width);
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

inline void mmio_device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value)
{
    auto address = device_window_address(registers, offset, width);
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

} // namespace ath::arch_common
