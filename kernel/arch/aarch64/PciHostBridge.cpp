// PCI Express on QEMU virt: the device tree's pci-host-ecam-generic node (ECAM, bus range and the
// I/O, 32-bit and 64-bit windows the kernel assigns unassigned BARs from).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/DeviceTreeBoot.h>
#include <kernel/main/Kernel.h>

namespace ath::aarch64 {

Result<pci::HostBridge> Arch::pci_host_bridge() { return arch_common::device_tree_pci_host_bridge(boot_info()); }

// MSI on virt needs the GICv3 ITS (tools/qemu-run's default gic-version=3) or a GICv2m frame
// (gic-version=2); neither is driven yet, so PCI functions have no interrupts here and drivers
// poll (docs/devices.md, "Interrupts").
Result<Arch::MsiMessage> Arch::install_msi_handler(IrqHandler, void*)
{
    return Error::from(ErrorCode::Unsupported, "no MSI target on aarch64 yet (GICv3 ITS / GICv2m not driven)");
}

void Arch::remove_msi_handler(u32) { }

} // namespace ath::aarch64
