#include "PciDevice.h"

namespace ath::object {

namespace {

constexpr u32 msi_capability_length = 24;  // the largest MSI layout: 64-bit, per-vector masking
constexpr u32 msix_capability_length = 12;

bool inside(u32 offset, u16 start, u32 length) { return start != 0 && offset >= start && offset - start < length; }

} // namespace

Result<RefPtr<PciDevice>> PciDevice::create(ObjectAllocator& allocator, pci::ConfigSpace& config, DeviceAccess& bar_access,
    const pci::Function& function, bool io_ports)
{
    if (function.address.device > 31 || function.address.function > 7 || function.bar_count > pci::Function::max_bars)
        return Error::from(ErrorCode::InvalidArgument, "not a PCI function address");
    auto device = TRY(make_object<PciDevice>(allocator, config, bar_access, function, io_ports));
    device->m_msi = pci::find_capability(config, function.address, pci::config::capability_msi);
    device->m_msix = pci::find_capability(config, function.address, pci::config::capability_msix);
    return device;
}

ErrorOr PciDevice::check(u32 offset, u32 width) const
{
    if (width != 1 && width != 2 && width != 4)
        return Error::from(ErrorCode::InvalidArgument, "configuration space accesses are 1, 2 or 4 bytes");
    if (offset % width != 0)
        return Error::from(ErrorCode::InvalidArgument, "configuration space access is not aligned to its width");
    if (offset >= pci::config::size || pci::config::size - offset < width)
        return Error::from(ErrorCode::OutOfRange, "outside this function's configuration space");
    return {};
}

// The bytes a driver may not write. Cache line size, latency timer and status (its error bits
// are write-one-to-clear) are the driver's in the header; the command register is checked apart.
bool PciDevice::kernel_owns(u32 offset) const
{
    if (offset < 0x40) {
        return offset != pci::config::command && offset != pci::config::command + 1 && offset != pci::config::status
            && offset != pci::config::status + 1 && offset != pci::config::cache_line_size && offset != pci::config::latency_timer;
    }
    return inside(offset, m_msi, msi_capability_length) || inside(offset, m_msix, msix_capability_length);
}

Result<u32> PciDevice::config_read(u32 offset, u32 width)
{
    TRY(check(offset, width));
    return m_config.read(m_function.address, u16(offset), width);
}

ErrorOr PciDevice::config_write(u32 offset, u32 width, u32 value)
{
    TRY(check(offset, width));
    if (width < 4 && (value >> (width * 8)) != 0)
        return Error::from(ErrorCode::InvalidArgument, "value is wider than the access");
    for (u32 byte = offset; byte < offset + width; ++byte) {
        if (kernel_owns(byte))
            return Error::from(ErrorCode::PermissionDenied, "the kernel owns this configuration register (BARs, bus numbers, ROM, MSI)");
    }
    if (offset <= pci::config::command + 1 && offset + width > pci::config::command) {
        // The command bytes this write covers, as they would become: only interrupt-disable may change.
        u32 current = m_config.read(m_function.address, pci::config::command, 2);
        u32 wanted = current;
        for (u32 byte = offset; byte < offset + width; ++byte) {
            if (byte == pci::config::command || byte == pci::config::command + 1) {
                u32 shift = (byte - pci::config::command) * 8;
                u32 new_byte = (value >> ((byte - offset) * 8)) & 0xFF;
                wanted = (wanted & ~(0xFFu << shift)) | new_byte << shift;
            }
        }
        if (((wanted ^ current) & ~u32(pci::config::command_interrupt_disable)) != 0)
            return Error::from(ErrorCode::PermissionDenied, "the kernel owns the command register's decode and bus-master bits");
    }
    m_config.write(m_function.address, u16(offset), width, value);
    return {};
}

Result<pci::Bar> PciDevice::bar(u32 index) const
{
    if (index >= pci::Function::max_bars)
        return Error::from(ErrorCode::InvalidArgument, "a function has BARs 0 to 5");
    if (index >= m_function.bar_count || m_function.bars[index].kind == pci::BarKind::None)
        return Error::from(ErrorCode::NotFound, "the function implements no such BAR");
    return m_function.bars[index];
}

Result<RefPtr<Device>> PciDevice::open_bar(ObjectAllocator& allocator, u32 index)
{
    pci::Bar found = TRY(bar(index));
    if (!found.assigned)
        return Error::from(ErrorCode::Invalid, "the BAR has no address (the kernel had no window for it)");
    if (found.size > Device::max_length)
        return Error::from(ErrorCode::Unsupported, "the BAR is larger than a device window may be");
    DeviceDescription description;
    if (found.kind == pci::BarKind::Io && m_io_ports)
        description.window = DeviceWindow { DeviceSpace::Port, found.cpu_address, found.size, u8(AccessWidths::Byte | AccessWidths::Half) | u8(AccessWidths::Word) };
    else
        description.window = DeviceWindow { DeviceSpace::Mmio, found.cpu_address, found.size, u8(AccessWidths::Byte | AccessWidths::Half) | u8(AccessWidths::Word | AccessWidths::Double) };
    return Device::create(allocator, m_bar_access, description);
}

} // namespace ath::object
