// PCI Express on QEMU virt: the device tree's pci-host-ecam-generic node (ECAM, bus range and the
// I/O, 32-bit and 64-bit windows the kernel assigns unassigned BARs from).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/DeviceTreeBoot.h>
#include <kernel/main/Kernel.h>

namespace ath::riscv64 {

Result<pci::HostBridge> Arch::pci_host_bridge() { return arch_common::device_tree_pci_host_bridge(boot_info()); }

// MSI on virt needs the AIA's IMSIC, which QEMU's virt machine has only with aia=aplic-imsic
// (tools/qemu-run boots the PLIC): PCI functions have no interrupts here and drivers poll
// (docs/devices.md, "Interrupts").
Result<Arch::MsiMessage> Arch::install_msi_handler(IrqHandler, void*)
{
    return Error::from(ErrorCode::Unsupported, "no MSI target on riscv64 (the virt machine boots without an IMSIC)");
}

void Arch::remove_msi_handler(u32) { }

} // namespace ath::riscv64
