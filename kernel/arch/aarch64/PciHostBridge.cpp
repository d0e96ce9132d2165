// PCI Express on QEMU virt: the device tree's pci-host-ecam-generic node (ECAM, bus range and the
// I/O, 32-bit and 64-bit windows the kernel assigns unassigned BARs from).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/DeviceTreeBoot.h>
#include <kernel/main/Kernel.h>

namespace ath::aarch64 {

Result<pci::HostBridge> Arch::pci_host_bridge() { return arch_common::device_tree_pci_host_bridge(boot_info()); }

} // namespace ath::aarch64
