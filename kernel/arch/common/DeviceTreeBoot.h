#pragma once

// Device-tree helpers of the ports the loader hands a flattened device tree (aarch64, riscv64):
// finding and validating the blob from BootInfo, reading property cells, the console's node and
// mapping a device's register page uncached. Header-only; each port's BootDeviceTree.h brings
// these names into its namespace and adds its interrupt-controller specific decoding.
#include <boot/BootInfo.h>
#include <kernel/arch/Arch.h>
#include <kernel/firmware/DeviceTree.h>
#include <kernel/firmware/PciHostBridge.h>
#include <kernel/lib/Bits.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::arch_common {

// Checks the BootInfo at `info_address` enough to find the blob (the caller may run before
// kernel_main validated it), bounds the blob by its header and validates all of it.
inline Result<firmware::DeviceTree> boot_device_tree(u64 info_address)
{
    constexpr u64 max_device_tree_size = 2ULL << 20;
    constexpr u64 header_size = 40;
    if (info_address < boot::direct_map_base || (info_address & 7) != 0)
        return Error::from(ErrorCode::Invalid, "BootInfo pointer is not in the direct map");
    auto* info = reinterpret_cast<const boot::BootInfo*>(info_address);
    if (!boot::is_compatible(*info))
        return Error::from(ErrorCode::Invalid, "incompatible BootInfo");
    if (info->device_tree == 0)
        return Error::from(ErrorCode::NotFound, "the loader found no device tree");
    if (!range_within(info->device_tree, header_size, boot::direct_map_max_size))
        return Error::from(ErrorCode::OutOfRange, "device tree pointer outside physical memory");
    auto* header = mm::phys_to_ptr<const u8>(PhysicalAddress(info->device_tree));
    u64 size = byte_swap(load_le<u32>(header + 4)); // totalsize; create() checks it against the rest
    if (size < header_size || size > max_device_tree_size)
        return Error::from(ErrorCode::Malformed, "device tree size is implausible");
    return firmware::DeviceTree::create(ReadonlyBytes(header, size));
}

// The index-th big-endian cell of a property.
inline Optional<u32> property_cell(ReadonlyBytes property, usize index)
{
    auto cell = property.try_slice(index * 4, 4);
    if (!cell.has_value())
        return none;
    return byte_swap(load_le<u32>(cell->data()));
}

// The node /chosen's stdout-path names if it is `compatible`, else the first such node.
inline Optional<firmware::DeviceTreeNode> stdout_node(const firmware::DeviceTree& tree, StringView compatible)
{
    auto chosen = tree.find_path("/chosen");
    if (chosen.has_value()) {
        auto path = chosen->property_string("stdout-path");
        if (path.has_value()) {
            // "stdout-path" may carry options after ':' ("/pl011@9000000:115200n8").
            StringView text = *path;
            for (usize i = 0; i < text.length(); ++i) {
                if (text[i] == ':') {
                    text = text.substring(0, i);
                    break;
                }
            }
            auto node = tree.find_path(text);
            if (node.has_value() && node->is_compatible(compatible))
                return node;
        }
    }
    return tree.find_compatible(compatible);
}

// The console UART's node (stdout_node) and the physical address of its registers, none when the
// tree names no such node or its first register window is not inside physical memory.
struct ConsoleUartNode {
    firmware::DeviceTreeNode node;
    u64 physical;
};
inline Optional<ConsoleUartNode> console_uart_node(const firmware::DeviceTree& tree, StringView compatible)
{
    auto node = stdout_node(tree, compatible);
    if (!node.has_value())
        return none;
    auto reg = node->reg(0);
    if (!reg.has_value() || reg->address == 0 || reg->address >= boot::direct_map_max_size)
        return none;
    return ConsoleUartNode { *node, reg->address };
}

// The first register window of the first node `compatible` names, mapped uncached in the direct
// map: the window's direct-map address, none when there is no such device or it cannot be mapped.
inline Optional<u64> map_device_registers(const firmware::DeviceTree& tree, StringView compatible)
{
    auto node = tree.find_compatible(compatible);
    if (!node.has_value())
        return none;
    auto reg = node->reg(0);
    if (!reg.has_value() || reg->address == 0 || reg->address >= boot::direct_map_max_size)
        return none;
    u64 page = align_down(reg->address, page_size);
    VirtualAddress where(mm::direct_map_base + page);
    auto mapped = Arch::Mmu::translate(where).has_value()
        ? Arch::Mmu::protect(where, 1, PageAccess::Write | PageAccess::Uncached)
        : Arch::Mmu::map(where, PhysicalAddress(page), 1, PageAccess::Write | PageAccess::Uncached);
    if (mapped.is_error())
        return none;
    return mm::direct_map_base + reg->address;
}

// Arch::pci_host_bridge of both device-tree ports: the loader's tree's pci-host-ecam-generic node.
inline Result<pci::HostBridge> device_tree_pci_host_bridge(const boot::BootInfo& info)
{
    auto tree = TRY(boot_device_tree(reinterpret_cast<u64>(&info)));
    return firmware::pci_host_bridge(tree);
}

// The start of self_test_firmware_tables on both device-tree ports: the loader's tree (found from
// `info`) validates, has /chosen and a /memory node whose first range holds the kernel.
inline Result<firmware::DeviceTree> self_test_boot_device_tree(const boot::BootInfo& info)
{
    auto tree = TRY(boot_device_tree(reinterpret_cast<u64>(&info)));
    if (!tree.find_path("/chosen").has_value() || !tree.find_path("/memory").has_value())
        return Error::from(ErrorCode::NotFound, "the device tree lacks /chosen or /memory");
    auto memory = tree.find_path("/memory")->reg(0);
    if (!memory.has_value() || memory->size == 0)
        return Error::from(ErrorCode::Malformed, "the /memory node has no usable reg");
    u64 kernel = info.kernel_physical_base;
    if (kernel < memory->address || kernel - memory->address >= memory->size)
        return Error::from(ErrorCode::Invalid, "the kernel is not inside the memory the device tree describes");
    return tree;
}

} // namespace ath::arch_common
