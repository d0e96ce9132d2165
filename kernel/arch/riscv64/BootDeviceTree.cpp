#include <kernel/arch/riscv64/BootDeviceTree.h>
#include <kernel/lib/Bits.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::riscv64 {

namespace {
constexpr u64 max_device_tree_size = 2ULL << 20;
constexpr u64 header_size = 40;
}

Result<firmware::DeviceTree> boot_device_tree(u64 info_address)
{
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

Optional<u32> property_cell(ReadonlyBytes property, usize index)
{
    auto cell = property.try_slice(index * 4, 4);
    if (!cell.has_value())
        return none;
    return byte_swap(load_le<u32>(cell->data()));
}

Optional<u32> plic_source(const firmware::DeviceTreeNode& node)
{
    auto interrupts = node.property("interrupts");
    if (!interrupts.has_value())
        return none;
    return property_cell(*interrupts, 0);
}

} // namespace ath::riscv64
