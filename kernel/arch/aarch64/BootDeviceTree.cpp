#include <kernel/arch/aarch64/BootDeviceTree.h>

namespace ath::aarch64 {

Optional<u32> gic_interrupt(const firmware::DeviceTreeNode& node, usize index)
{
    auto interrupts = node.property("interrupts");
    if (!interrupts.has_value())
        return none;
    auto type = property_cell(*interrupts, index * 3);
    auto number = property_cell(*interrupts, index * 3 + 1);
    if (!type.has_value() || !number.has_value() || *type > 1)
        return none;
    return (*type == 0 ? 32u : 16u) + *number;
}

} // namespace ath::aarch64
