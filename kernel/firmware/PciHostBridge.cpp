#include <kernel/firmware/PciHostBridge.h>
#include <kernel/lib/Bits.h>

namespace ath::firmware {

namespace {

u32 cell(ReadonlyBytes property, usize index) { return byte_swap(load_le<u32>(property.data() + index * 4)); }

u64 cells(ReadonlyBytes property, usize index, u32 count)
{
    u64 value = 0;
    for (u32 i = 0; i < count; ++i)
        value = value << 32 | cell(property, index + i);
    return value;
}

} // namespace

Result<pci::HostBridge> pci_host_bridge(const DeviceTree& tree)
{
    auto node = tree.find_compatible("pci-host-ecam-generic");
    if (!node.has_value())
        return Error::from(ErrorCode::NotFound, "the device tree has no pci-host-ecam-generic node");
    if (node->child_address_cells() != 3 || node->child_size_cells() != 2)
        return Error::from(ErrorCode::Malformed, "PCI host node does not use 3 address and 2 size cells");
    auto ecam = node->reg(0);
    if (!ecam.has_value() || ecam->address == 0 || ecam->address % (1 << 20) != 0 || ecam->size < (1 << 20))
        return Error::from(ErrorCode::Malformed, "PCI host node has no usable ECAM reg");
    pci::HostBridge host;
    host.ecam_base = ecam->address;
    u64 buses = ecam->size >> 20;
    host.bus_start = 0;
    host.bus_end = u8(buses > 256 ? 255 : buses - 1);
    if (auto range = node->property("bus-range"); range.has_value()) {
        if (range->size() != 8 || cell(*range, 0) > cell(*range, 1) || cell(*range, 1) > 255)
            return Error::from(ErrorCode::Malformed, "PCI host node's bus-range is invalid");
        host.bus_start = u8(cell(*range, 0));
        host.bus_end = u8(cell(*range, 1));
        if (u64(host.bus_end - host.bus_start + 1) << 20 > ecam->size)
            return Error::from(ErrorCode::Malformed, "PCI host node's ECAM reg is smaller than its bus-range");
    }
    auto ranges = node->property("ranges");
    if (!ranges.has_value())
        return host; // no windows: only what the firmware assigned is usable
    u32 parent_cells = node->parent_address_cells();
    if (parent_cells == 0 || parent_cells > 2)
        return Error::from(ErrorCode::Malformed, "PCI host node's parent address cells are not 1 or 2");
    usize entry_cells = 3 + parent_cells + 2;
    if (ranges->size() % (entry_cells * 4) != 0)
        return Error::from(ErrorCode::Malformed, "PCI host node's ranges is not a whole number of entries");
    for (usize at = 0; at < ranges->size() / 4; at += entry_cells) {
        u32 space = cell(*ranges, at);
        pci::Window window;
        switch ((space >> 24) & 3) {
        case 0: continue; // configuration space: the ECAM reg already says where
        case 1: window.kind = pci::WindowKind::Io; break;
        case 2: window.kind = pci::WindowKind::Memory32; break;
        default: window.kind = pci::WindowKind::Memory64; break;
        }
        window.prefetchable = (space & 0x40000000) != 0;
        window.pci_base = cells(*ranges, at + 1, 2);
        window.cpu_base = cells(*ranges, at + 3, parent_cells);
        window.size = cells(*ranges, at + 3 + parent_cells, 2);
        if (window.size == 0 || !checked_add(window.pci_base, window.size).has_value()
            || !checked_add(window.cpu_base, window.size).has_value())
            return Error::from(ErrorCode::Malformed, "PCI host node has an empty or wrapping range");
        if (host.windows.try_append(window).is_error())
            return Error::from(ErrorCode::Exhausted, "PCI host node has more ranges than the kernel tracks");
    }
    return host;
}

} // namespace ath::firmware
