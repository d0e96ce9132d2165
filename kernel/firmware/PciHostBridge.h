#pragma once

// The PCI host bridge a device tree describes (aarch64 and riscv64 QEMU virt: a node compatible
// with "pci-host-ecam-generic", devicetree.org PCI bus binding): its ECAM window (`reg`), the buses
// it decodes (`bus-range`) and the address windows its BARs may take (`ranges`).
#include <kernel/firmware/DeviceTree.h>
#include <kernel/pci/Pci.h>

namespace ath::firmware {

// NotFound without such a node; Malformed when its cells, reg, bus-range or ranges are not what
// the binding says (3 address and 2 size cells for the children, a reg that covers the buses),
// Exhausted for more windows than pci::HostBridge holds.
Result<pci::HostBridge> pci_host_bridge(const DeviceTree&);

} // namespace ath::firmware
