// ACPI discovery on the real firmware tables, and refusal of corrupted copies.
#include <kernel/acpi/DirectMapReader.h>
#include <kernel/main/Kernel.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {

// Serves a private, modifiable copy of one table at a fake physical address.
class CopyReader final : public acpi::PhysicalReader {
public:
    CopyReader(PhysicalAddress base, ReadonlyBytes bytes) : m_base(base), m_bytes(bytes) { }
    Result<ReadonlyBytes> read(PhysicalAddress address, u64 length) const override
    {
        if (address < m_base || !range_within(address.get() - m_base.get(), length, u64(m_bytes.size())))
            return Error::from(ErrorCode::OutOfRange, "outside the copy");
        return m_bytes.slice(address.get() - m_base.get(), length);
    }

private:
    PhysicalAddress m_base;
    ReadonlyBytes m_bytes;
};

} // namespace

ATH_SELFTEST(acpi_tables_present_and_checksummed)
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

ATH_SELFTEST(acpi_corrupt_tables_are_errors)
{
    acpi::DirectMapReader reader;
    auto tables = TRY(acpi::Tables::create(reader, PhysicalAddress(boot_info().acpi_rsdp)));
    auto madt = TRY(tables.find("APIC"));
    auto* copy = static_cast<u8*>(TRY(kmalloc(madt.size())));
    Bytes bytes(copy, madt.size());
    madt.copy_to(bytes);
    CopyReader copy_reader(PhysicalAddress(0x1000), bytes);

    ErrorOr verdict;
    // A flipped byte breaks the checksum.
    bytes[madt.size() - 1] ^= 0x40;
    if (acpi::checksum_ok(bytes))
        verdict = selftest::failure("checksum missed a flipped byte");
    bytes[madt.size() - 1] ^= 0x40;
    // A MADT entry whose length runs past the table is malformed, not followed.
    bytes[sizeof(acpi::TableHeader) + 8 + 1] = 0xFF;
    if (!verdict.is_error() && acpi::parse_madt(bytes).has_value())
        verdict = selftest::failure("MADT with an overlong entry was accepted");
    // A zero-length entry would loop forever: refused too.
    bytes[sizeof(acpi::TableHeader) + 8 + 1] = 0;
    if (!verdict.is_error() && acpi::parse_madt(bytes).has_value())
        verdict = selftest::failure("MADT with a zero-length entry was accepted");
    // An RSDP pointer to garbage is an error.
    if (!verdict.is_error() && acpi::Tables::create(copy_reader, PhysicalAddress(0x1000)).has_value())
        verdict = selftest::failure("a MADT was accepted as an RSDP");
    if (!verdict.is_error() && acpi::Tables::create(reader, PhysicalAddress(0xFFFFFFFFFFF0ULL)).has_value())
        verdict = selftest::failure("an RSDP in unmapped memory was accepted");
    kfree(copy);
    return verdict;
}

} // namespace ath
