#pragma once

// PCI in the booted kernel: the ECAM configuration access behind kernel/pci's ConfigSpace, the
// boot-time enumeration behind the arch's host bridge (Arch::pci_host_bridge), one PciDevice
// object per function it found, and the register access of their BAR Devices (docs/devices.md).
#include <kernel/lib/Span.h>
#include <kernel/object/PciDevice.h>

namespace ath::sys {

// Once, at boot (kernel_main, before `athanor: ready`): finds the host bridge, enumerates it
// (assigning what the firmware left unassigned), logs every function and BAR as `pci: ...` lines
// and makes the PciDevice objects. A machine without PCI logs why and has none. `reassign` (the
// `pci-reassign` command word) assigns every BAR and bridge window itself instead of keeping the firmware's
// addresses (where the host bridge has windows; the booted test uses it to run the kernel's
// assignment on firmware that leaves nothing unassigned).
void discover_pci(bool reassign);

// The functions discover_pci found, in enumeration order (empty before it or without PCI).
Span<const object::RefPtr<object::PciDevice>> kernel_pci_devices();

} // namespace ath::sys
