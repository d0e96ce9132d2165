// The firmware-tables self-test on PC hardware: the ACPI tables validate and name what
// init_platform relies on (MADT with an I/O APIC and a local APIC, HPET).
#include <kernel/acpi/DirectMapReader.h>
#include <kernel/arch/Arch.h>
#include <kernel/main/Kernel.h>
#include <kernel/selftest/SelfTest.h>

namespace ath::x86_64 {

ErrorOr Arch::self_test_firmware_tables()
{
    acpi::DirectMapReader reader;
    auto tables = TRY(acpi::Tables::create(reader, PhysicalAddress(boot_info().acpi_rsdp)));
    EXPECT(tables.table_count() > 0);
    for (usize i = 0; i < tables.table_count(); ++i) {
        auto table = tables.find(tables.signature_of(i));
        if (table.is_error())
            return selftest::failure("table {} does not validate: {}", tables.signature_of(i), table.error().reason);
        EXPECT(acpi::checksum_ok(table.value()));
    }
    auto madt_table = TRY(tables.find("APIC"));
    auto madt = TRY(acpi::parse_madt(madt_table));
    EXPECT(madt.processor_count >= 1 && !madt.io_apics.is_empty() && madt.local_apic_address != 0);
    auto hpet_table = TRY(tables.find("HPET"));
    auto hpet = TRY(acpi::parse_hpet(hpet_table));
    EXPECT(hpet.address != 0);
    EXPECT(tables.find("NOPE").is_error());
    return {};
}

} // namespace ath::x86_64
