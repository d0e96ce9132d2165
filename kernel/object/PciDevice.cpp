#include "PciDevice.h"

namespace ath::object {

namespace {

constexpr u32 msi_capability_length = 24;  // the largest MSI layout: 64-bit, per-vector masking
constexpr u32 msix_capability_length = 12;
constexpr u8 capability_vendor = 0x09;          // virtio's capabilities are vendor-specific ones
constexpr u8 virtio_common_configuration = 1;   // cfg_type of the common configuration structure
constexpr u32 virtio_device_status = 20;        // its device_status byte
constexpr u32 virtio_vendor = 0x1af4;

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

bool PciDevice::bus_master_enabled()
{
    return (m_config.read(m_function.address, pci::config::command, 2) & pci::config::command_bus_master) != 0;
}

void PciDevice::set_bus_master(bool on)
{
    u32 command = m_config.read(m_function.address, pci::config::command, 2);
    u32 wanted = on ? command | pci::config::command_bus_master : command & ~u32(pci::config::command_bus_master);
    if (wanted != command)
        m_config.write(m_function.address, pci::config::command, 2, wanted);
}

void PciDevice::dma_attached()
{
    if (m_dma_buffers++ == 0)
        m_bus_master_blocked = false;
    if (!m_bus_master_blocked)
        set_bus_master(true);
}

void PciDevice::dma_detached()
{
    VERIFY(m_dma_buffers > 0);
    --m_dma_buffers;
    ++m_quiesces;
    // The device may hold this buffer's address in a queue: make it forget (virtio) and stop it
    // mastering before the caller lets the frames go.
    bool forgot = reset_virtio();
    set_bus_master(false);
    if (m_dma_buffers > 0) {
        if (forgot && !m_bus_master_blocked)
            set_bus_master(true);
        else
            m_bus_master_blocked = true;
    }
}

bool PciDevice::reset_virtio()
{
    if (m_function.vendor != virtio_vendor || m_function.header_type != 0)
        return false;
    if ((m_config.read(m_function.address, pci::config::status, 2) & pci::config::status_capabilities) == 0)
        return false;
    u16 at = u16(m_config.read(m_function.address, pci::config::capabilities_pointer, 1) & 0xFC);
    for (int steps = 0; steps < 48 && at >= 0x40 && at <= pci::config::size - 16; ++steps) {
        u32 header = m_config.read(m_function.address, at, 4);
        if (u8(header) == capability_vendor && u8(header >> 24) == virtio_common_configuration) {
            u32 index = m_config.read(m_function.address, u16(at + 4), 1);
            u32 offset = m_config.read(m_function.address, u16(at + 8), 4);
            auto found = bar(index);
            if (found.is_error() || !found.value().assigned || found.value().kind == pci::BarKind::Io)
                return false;
            pci::Bar window = found.value();
            if (u64(offset) + virtio_device_status >= window.size)
                return false;
            DeviceWindow registers { DeviceSpace::Mmio, window.cpu_address, window.size, u8(AccessWidths::Byte) };
            m_bar_access.write(registers, offset + virtio_device_status, 1, 0);
            // The reset is complete when device_status reads back 0 (virtio 1.1, 4.1.4.3.2).
            for (int polls = 0; polls < 1000; ++polls) {
                if (m_bar_access.read(registers, offset + virtio_device_status, 1) == 0)
                    return true;
            }
            return false;
        }
        at = u16((header >> 8) & 0xFC);
    }
    return false;
}

u32 PciDevice::msix_table_size()
{
    if (m_msix == 0)
        return 0;
    return (m_config.read(m_function.address, u16(m_msix + 2), 2) & 0x7FF) + 1;
}

// The MSI-X table: BIR (BAR index) and offset from the capability's dword at +4; 16 bytes per entry.
Result<DeviceWindow> PciDevice::msix_table(u64& offset)
{
    u32 location = m_config.read(m_function.address, u16(m_msix + 4), 4);
    pci::Bar found = TRY(bar(location & 7));
    if (!found.assigned || found.kind == pci::BarKind::Io)
        return Error::from(ErrorCode::Invalid, "the MSI-X table's BAR has no memory address");
    offset = location & ~7u;
    if (offset + u64(msix_table_size()) * 16 > found.size)
        return Error::from(ErrorCode::Invalid, "the MSI-X table does not fit in its BAR");
    return DeviceWindow { DeviceSpace::Mmio, found.cpu_address, found.size, u8(AccessWidths::Word) };
}

void PciDevice::write_vector_control(u32 line, u32 value)
{
    u64 offset = 0;
    auto table = msix_table(offset);
    if (!table.is_error())
        m_bar_access.write(table.value(), offset + 16 * u64(line) + 12, 4, value);
}

Result<RefPtr<Irq>> PciDevice::open_msix(ObjectAllocator& allocator, u32 vector)
{
    if (m_msix == 0)
        return Error::from(ErrorCode::Unsupported, "the function has no MSI-X capability");
    if (!m_msi_target)
        return Error::from(ErrorCode::Unsupported, "no MSI target on this machine");
    if (vector >= msix_table_size() || vector >= max_msix_vectors)
        return Error::from(ErrorCode::OutOfRange, "no such MSI-X vector");
    return Irq::create(allocator, *this, vector);
}

ErrorOr PciDevice::install(u32 line, Handler handler, void* context)
{
    if (!m_msi_target || m_msix == 0 || line >= max_msix_vectors || line >= msix_table_size())
        return Error::from(ErrorCode::InvalidArgument, "no such MSI-X vector");
    if (m_msix_vectors[line] != 0)
        return Error::from(ErrorCode::Busy, "the MSI-X vector already has an irq");
    u64 offset = 0;
    DeviceWindow table = TRY(msix_table(offset));
    MsiTarget::Message message = TRY(m_msi_target->install(handler, context));
    u64 entry = offset + 16 * u64(line);
    m_bar_access.write(table, entry + 12, 4, 1); // masked while it is programmed
    m_bar_access.write(table, entry + 0, 4, u32(message.address));
    m_bar_access.write(table, entry + 4, 4, u32(message.address >> 32));
    m_bar_access.write(table, entry + 8, 4, message.data);
    m_msix_vectors[line] = message.vector;
    // MSI-X on, the function mask off (each entry is masked by itself); INTx is off while it is on.
    u32 control = m_config.read(m_function.address, u16(m_msix + 2), 2);
    m_config.write(m_function.address, u16(m_msix + 2), 2, (control | 0x8000u) & ~0x4000u);
    return {};
}

void PciDevice::remove(u32 line)
{
    if (line >= max_msix_vectors || m_msix_vectors[line] == 0)
        return;
    write_vector_control(line, 1);
    m_msi_target->remove(m_msix_vectors[line]);
    m_msix_vectors[line] = 0;
}

void PciDevice::mask(u32 line)
{
    if (line < max_msix_vectors && m_msix_vectors[line] != 0)
        write_vector_control(line, 1);
}

void PciDevice::unmask(u32 line)
{
    if (line < max_msix_vectors && m_msix_vectors[line] != 0)
        write_vector_control(line, 0);
}

} // namespace ath::object
