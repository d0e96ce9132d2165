// The firmware's description of the machine (ACPI on x86_64, the device tree on aarch64/riscv64):
// what the arch relies on is there (checked behind the arch interface), and damaged copies of
// whichever tables this machine has are refused by the generic parsers.
#include <kernel/acpi/DirectMapReader.h>
#include <kernel/arch/Arch.h>
#include <kernel/firmware/DeviceTree.h>
#include <kernel/main/Kernel.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/MemoryLayout.h>
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

ErrorOr acpi_corrupt_tables_are_errors()
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

ErrorOr device_tree_corruptions_are_errors()
{
    u64 physical = boot_info().device_tree;
    auto* header = mm::phys_to_ptr<const u8>(PhysicalAddress(physical));
    u32 size = byte_swap(load_le<u32>(header + 4));
    if (size < 64 || size > (2u << 20))
        return selftest::failure("the device tree's size {} is implausible", size);
    auto* copy = static_cast<u8*>(TRY(kmalloc(size)));
    Bytes bytes(copy, size);
    ReadonlyBytes(header, size).copy_to(bytes);
    ErrorOr verdict;
    if (firmware::DeviceTree::create(bytes).is_error())
        verdict = selftest::failure("an intact copy of the device tree does not validate");
    // A wrong magic, a blob shorter than its header says, and a broken first token: all refused.
    copy[0] ^= 0x01;
    if (!verdict.is_error() && firmware::DeviceTree::create(bytes).has_value())
        verdict = selftest::failure("a device tree with a bad magic was accepted");
    copy[0] ^= 0x01;
    if (!verdict.is_error() && firmware::DeviceTree::create(bytes.slice(0, size / 2)).has_value())
        verdict = selftest::failure("a truncated device tree was accepted");
    u32 structure = byte_swap(load_le<u32>(copy + 8));
    if (!verdict.is_error() && structure + 4 <= size) {
        copy[structure + 3] = 0x0A; // FDT_BEGIN_NODE (1) becomes an undefined token
        if (firmware::DeviceTree::create(bytes).has_value())
            verdict = selftest::failure("a device tree with an undefined token was accepted");
    }
    kfree(copy);
    return verdict;
}

} // namespace

ATH_SELFTEST(firmware_tables_describe_the_machine) { return Arch::self_test_firmware_tables(); }

ATH_SELFTEST(firmware_corrupt_tables_are_errors)
{
    if (boot_info().acpi_rsdp == 0 && boot_info().device_tree == 0)
        return selftest::skip("this machine has no firmware tables");
    if (boot_info().acpi_rsdp != 0)
        TRY(acpi_corrupt_tables_are_errors());
    if (boot_info().device_tree != 0)
        TRY(device_tree_corruptions_are_errors());
    return {};
}

} // namespace ath
