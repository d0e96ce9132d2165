#include <cstring>
#include <gtest/gtest.h>
#include <kernel/acpi/Acpi.h>
#include <random>
#include <vector>

using namespace ath;

namespace {

// A fake physical memory: a buffer that starts at physical address `base`.
class BufferReader final : public acpi::PhysicalReader {
public:
    BufferReader(u64 base, std::vector<u8>& memory) : m_base(base), m_memory(memory) { }
    Result<ReadonlyBytes> read(PhysicalAddress address, u64 length) const override
    {
        if (address.get() < m_base || !range_within(address.get() - m_base, length, u64(m_memory.size())))
            return Error::from(ErrorCode::OutOfRange, "outside fake memory");
        return ReadonlyBytes(m_memory.data() + (address.get() - m_base), length);
    }

private:
    u64 m_base;
    std::vector<u8>& m_memory;
};

constexpr u64 memory_base = 0x100000;
constexpr u64 rsdp_offset = 0x0;
constexpr u64 xsdt_offset = 0x100;
constexpr u64 rsdt_offset = 0x180;
constexpr u64 madt_offset = 0x200;
constexpr u64 hpet_offset = 0x400;

void put32(std::vector<u8>& m, u64 at, u32 v) { memcpy(&m[at], &v, 4); }
void put64(std::vector<u8>& m, u64 at, u64 v) { memcpy(&m[at], &v, 8); }

void fix_checksum(std::vector<u8>& m, u64 start, u64 length, u64 checksum_at)
{
    m[checksum_at] = 0;
    u8 sum = 0;
    for (u64 i = 0; i < length; ++i)
        sum = u8(sum + m[start + i]);
    m[checksum_at] = u8(-sum);
}

void header(std::vector<u8>& m, u64 at, const char* signature, u32 length)
{
    memcpy(&m[at], signature, 4);
    put32(m, at + 4, length);
    m[at + 8] = 1;
}

// RSDP (rev 2) -> XSDT -> {MADT, HPET}, and an RSDT for revision 0, all with valid checksums.
std::vector<u8> make_tables(u8 revision = 2)
{
    std::vector<u8> m(0x1000, 0);
    memcpy(&m[rsdp_offset], "RSD PTR ", 8);
    m[rsdp_offset + 15] = revision;
    put32(m, rsdp_offset + 16, u32(memory_base + rsdt_offset));
    put32(m, rsdp_offset + 20, 36);
    put64(m, rsdp_offset + 24, memory_base + xsdt_offset);

    header(m, xsdt_offset, "XSDT", 36 + 16);
    put64(m, xsdt_offset + 36, memory_base + madt_offset);
    put64(m, xsdt_offset + 44, memory_base + hpet_offset);
    fix_checksum(m, xsdt_offset, 52, xsdt_offset + 9);

    header(m, rsdt_offset, "RSDT", 36 + 8);
    put32(m, rsdt_offset + 36, u32(memory_base + madt_offset));
    put32(m, rsdt_offset + 40, u32(memory_base + hpet_offset));
    fix_checksum(m, rsdt_offset, 44, rsdt_offset + 9);

    // MADT: header, LAPIC address, flags, then entries: 2 CPUs (one disabled), IOAPIC, override.
    u64 e = madt_offset + 44;
    auto entry = [&](std::initializer_list<u8> bytes) {
        for (u8 b : bytes)
            m[e++] = b;
    };
    entry({ 0, 8, 0, 0, 1, 0, 0, 0 });                         // CPU 0 enabled
    entry({ 0, 8, 1, 1, 0, 0, 0, 0 });                         // CPU 1 disabled
    entry({ 1, 12, 7, 0, 0x00, 0x00, 0xC0, 0xFE, 0, 0, 0, 0 }); // IOAPIC id 7 at 0xFEC00000, GSI 0
    entry({ 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 });                 // ISA IRQ 0 -> GSI 2
    entry({ 2, 10, 0, 9, 9, 0, 0, 0, 0x0F, 0 });              // ISA IRQ 9 -> GSI 9, active low, level
    u32 madt_length = u32(e - madt_offset);
    header(m, madt_offset, "APIC", madt_length);
    put32(m, madt_offset + 36, 0xFEE00000);
    put32(m, madt_offset + 40, 1);
    fix_checksum(m, madt_offset, madt_length, madt_offset + 9);

    header(m, hpet_offset, "HPET", 56);
    m[hpet_offset + 40] = 0; // memory space
    put64(m, hpet_offset + 44, 0xFED00000);
    fix_checksum(m, hpet_offset, 56, hpet_offset + 9);

    fix_checksum(m, rsdp_offset, 20, rsdp_offset + 8);
    fix_checksum(m, rsdp_offset, 36, rsdp_offset + 32);
    return m;
}

} // namespace

TEST(Acpi, FindsTablesThroughXsdt)
{
    auto memory = make_tables();
    BufferReader reader(memory_base, memory);
    auto tables = acpi::Tables::create(reader, PhysicalAddress(memory_base)).release_value();
    EXPECT_TRUE(tables.uses_xsdt());
    EXPECT_EQ(tables.table_count(), 2u);
    auto madt = acpi::parse_madt(tables.find("APIC").release_value()).release_value();
    EXPECT_EQ(madt.local_apic_address, 0xFEE00000u);
    EXPECT_EQ(madt.processor_count, 1u);
    ASSERT_EQ(madt.io_apics.size(), 1u);
    EXPECT_EQ(madt.io_apics[0].id, 7);
    EXPECT_EQ(madt.io_apics[0].address, 0xFEC00000u);
    EXPECT_EQ(madt.route_isa_irq(0).gsi, 2u);
    EXPECT_EQ(madt.route_isa_irq(4).gsi, 4u);
    EXPECT_EQ(madt.route_isa_irq(9).flags, 0x0F);
    auto hpet = acpi::parse_hpet(tables.find("HPET").release_value()).release_value();
    EXPECT_EQ(hpet.address, 0xFED00000u);
    EXPECT_EQ(tables.find("FACP").error().code, ErrorCode::NotFound);
    EXPECT_EQ(tables.find("TOOLONG").error().code, ErrorCode::InvalidArgument);
}

TEST(Acpi, RevisionZeroUsesRsdt)
{
    auto memory = make_tables(0);
    BufferReader reader(memory_base, memory);
    auto tables = acpi::Tables::create(reader, PhysicalAddress(memory_base)).release_value();
    EXPECT_FALSE(tables.uses_xsdt());
    EXPECT_TRUE(tables.find("HPET").has_value());
}

TEST(Acpi, ChecksumsAreEnforced)
{
    for (u64 corrupt_at : { rsdp_offset + 3, rsdp_offset + 30, xsdt_offset + 40 }) {
        auto memory = make_tables();
        memory[corrupt_at] ^= 0x10;
        BufferReader reader(memory_base, memory);
        auto tables = acpi::Tables::create(reader, PhysicalAddress(memory_base));
        EXPECT_TRUE(tables.is_error()) << corrupt_at;
    }
    auto memory = make_tables();
    memory[madt_offset + 50] ^= 1;
    BufferReader reader(memory_base, memory);
    auto tables = acpi::Tables::create(reader, PhysicalAddress(memory_base)).release_value();
    EXPECT_EQ(tables.find("APIC").error().code, ErrorCode::Malformed);
    EXPECT_TRUE(tables.find("HPET").has_value());
}

TEST(Acpi, LengthsAreBounded)
{
    auto memory = make_tables();
    put32(memory, madt_offset + 4, 0x7FFFFFFF); // huge length: refused before reading it
    BufferReader reader(memory_base, memory);
    auto tables = acpi::Tables::create(reader, PhysicalAddress(memory_base)).release_value();
    EXPECT_TRUE(tables.find("APIC").is_error());
    put32(memory, madt_offset + 4, 10); // shorter than a header
    EXPECT_TRUE(tables.find("APIC").is_error());
    EXPECT_TRUE(acpi::Tables::create(reader, PhysicalAddress(0)).is_error());
    EXPECT_TRUE(acpi::Tables::create(reader, PhysicalAddress(memory_base + 0xFFF)).is_error());
}

TEST(Acpi, MalformedMadtEntries)
{
    auto memory = make_tables();
    std::vector<u8> madt(memory.begin() + madt_offset, memory.begin() + madt_offset + 44 + 8 + 8 + 12 + 10 + 10);
    EXPECT_TRUE(acpi::parse_madt(ReadonlyBytes(madt.data(), madt.size())).has_value());
    auto broken = madt;
    broken[44 + 1] = 0; // zero-length entry would never advance
    EXPECT_TRUE(acpi::parse_madt(ReadonlyBytes(broken.data(), broken.size())).is_error());
    broken = madt;
    broken[44 + 1] = 200; // runs past the table
    EXPECT_TRUE(acpi::parse_madt(ReadonlyBytes(broken.data(), broken.size())).is_error());
    broken = madt;
    broken[44 + 16 + 1] = 4; // I/O APIC entry too short to hold its fields
    EXPECT_TRUE(acpi::parse_madt(ReadonlyBytes(broken.data(), broken.size())).is_error());
    EXPECT_TRUE(acpi::parse_madt(ReadonlyBytes(madt.data(), 40)).is_error());
}

TEST(Acpi, RandomCorruptionNeverCrashes)
{
    std::mt19937 random(7);
    for (int round = 0; round < 3000; ++round) {
        auto memory = make_tables(u8(random() % 3));
        for (int flips = 1 + random() % 4; flips > 0; --flips)
            memory[random() % 0x500] = u8(random());
        BufferReader reader(memory_base, memory);
        auto tables = acpi::Tables::create(reader, PhysicalAddress(memory_base));
        if (tables.is_error())
            continue;
        for (const char* signature : { "APIC", "HPET" }) {
            auto table = tables.value().find(signature);
            if (table.is_error())
                continue;
            (void)acpi::parse_madt(table.value());
            (void)acpi::parse_hpet(table.value());
        }
    }
}

namespace {

// An MCFG as QEMU q35 builds it: one entry, segment 0, buses 0..255 at 0xB0000000.
std::vector<u8> make_mcfg(u64 base, u8 start, u8 end, usize extra = 0)
{
    std::vector<u8> m(44 + 16 + extra, 0);
    header(m, 0, "MCFG", u32(m.size()));
    put64(m, 44, base);
    m[44 + 10] = start;
    m[44 + 11] = end;
    return m;
}

} // namespace

TEST(Acpi, McfgGivesTheEcamWindow)
{
    auto table = make_mcfg(0xB0000000, 0, 255);
    auto windows = acpi::parse_mcfg(ReadonlyBytes(table.data(), table.size())).release_value();
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_EQ(windows[0].base, 0xB0000000u);
    EXPECT_EQ(windows[0].segment, 0);
    EXPECT_EQ(windows[0].bus_start, 0);
    EXPECT_EQ(windows[0].bus_end, 255);
}

TEST(Acpi, MalformedMcfgIsAnError)
{
    auto empty_range = make_mcfg(0xB0000000, 5, 4);
    EXPECT_EQ(acpi::parse_mcfg(ReadonlyBytes(empty_range.data(), empty_range.size())).error().code, ErrorCode::Malformed);
    auto unaligned = make_mcfg(0xB0001000, 0, 255);
    EXPECT_EQ(acpi::parse_mcfg(ReadonlyBytes(unaligned.data(), unaligned.size())).error().code, ErrorCode::Malformed);
    auto truncated = make_mcfg(0xB0000000, 0, 255, 7);
    EXPECT_EQ(acpi::parse_mcfg(ReadonlyBytes(truncated.data(), truncated.size())).error().code, ErrorCode::Malformed);
    auto madt = make_tables();
    EXPECT_EQ(acpi::parse_mcfg(ReadonlyBytes(madt.data() + madt_offset, 44)).error().code, ErrorCode::Malformed);
}
