#include <kernel/arch/riscv64/BootDeviceTree.h>

namespace ath::riscv64 {

Optional<u32> plic_source(const firmware::DeviceTreeNode& node)
{
    auto interrupts = node.property("interrupts");
    if (!interrupts.has_value())
        return none;
    return property_cell(*interrupts, 0);
}

} // namespace ath::riscv64
