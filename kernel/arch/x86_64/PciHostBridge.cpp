// PCI Express on PC hardware: the ECAM window of segment 0 from ACPI MCFG (QEMU q35 has one;
// i440fx has none). The BAR windows are in the DSDT's _CRS, which the kernel does not interpret:
// the firmware (OVMF) assigns every BAR, so the host bridge is described without windows.
#include <kernel/acpi/DirectMapReader.h>
#include <kernel/arch/Arch.h>
#include <kernel/main/Kernel.h>

namespace ath::x86_64 {

Result<pci::HostBridge> Arch::pci_host_bridge()
{
    acpi::DirectMapReader reader;
    auto tables = TRY(acpi::Tables::create(reader, PhysicalAddress(boot_info().acpi_rsdp)));
    auto mcfg = tables.find("MCFG");
    if (mcfg.is_error())
        return Error::from(ErrorCode::NotFound, "no ACPI MCFG: the machine has no PCI Express ECAM (QEMU q35 has one)");
    auto windows = TRY(acpi::parse_mcfg(mcfg.value()));
    for (auto& window : windows) {
        if (window.segment != 0)
            continue;
        pci::HostBridge host;
        host.ecam_base = window.base + (u64(window.bus_start) << 20);
        host.segment = 0;
        host.bus_start = window.bus_start;
        host.bus_end = window.bus_end;
        host.io_ports = true;
        return host;
    }
    return Error::from(ErrorCode::NotFound, "ACPI MCFG names no window for PCI segment 0");
}

} // namespace ath::x86_64
