#include <kernel/acpi/Acpi.h>
#include <kernel/lib/Bits.h>

namespace ath::acpi {

namespace {

constexpr u64 rsdp_v1_length = 20;
constexpr u64 rsdp_v2_length = 36;
constexpr u64 max_table_length = u64(16) * 1024 * 1024; // no sane table is larger; refuse before mapping it

bool signature_is(const u8* bytes, StringView signature)
{
    for (usize i = 0; i < signature.length(); ++i) {
        if (bytes[i] != static_cast<u8>(signature[i]))
            return false;
    }
    return true;
}

// Reads a table's header, then the whole table, and checks length and checksum.
Result<ReadonlyBytes> read_table(const PhysicalReader& reader, PhysicalAddress address)
{
    auto header = TRY(reader.read(address, sizeof(TableHeader)));
    u32 length = load_le<u32>(header.data() + 4);
    if (length < sizeof(TableHeader) || length > max_table_length)
        return Error::at(ErrorCode::Malformed, address.get(), "ACPI table length is out of bounds");
    auto table = TRY(reader.read(address, length));
    if (!checksum_ok(table))
        return Error::at(ErrorCode::Malformed, address.get(), "ACPI table checksum mismatch");
    return table;
}

} // namespace

bool checksum_ok(ReadonlyBytes bytes)
{
    u8 sum = 0;
    for (u8 byte : bytes)
        sum = static_cast<u8>(sum + byte);
    return sum == 0;
}

Result<Tables> Tables::create(const PhysicalReader& reader, PhysicalAddress rsdp_address)
{
    if (rsdp_address.is_null())
        return Error::from(ErrorCode::NotFound, "no ACPI RSDP");
    auto rsdp = TRY(reader.read(rsdp_address, rsdp_v1_length));
    if (!signature_is(rsdp.data(), "RSD PTR "))
        return Error::at(ErrorCode::Malformed, 0, "RSDP signature mismatch");
    if (!checksum_ok(rsdp))
        return Error::at(ErrorCode::Malformed, 8, "RSDP checksum mismatch");

    Tables tables(reader);
    tables.m_revision = rsdp[15];
    PhysicalAddress root;
    usize entry_size;
    if (tables.m_revision >= 2) {
        auto extended = TRY(reader.read(rsdp_address, rsdp_v2_length));
        u32 length = load_le<u32>(extended.data() + 20);
        if (length < rsdp_v2_length || length > 4096)
            return Error::at(ErrorCode::Malformed, 20, "RSDP length is out of bounds");
        extended = TRY(reader.read(rsdp_address, length));
        if (!checksum_ok(extended))
            return Error::at(ErrorCode::Malformed, 32, "RSDP extended checksum mismatch");
        root = PhysicalAddress(load_le<u64>(extended.data() + 24));
        entry_size = 8;
        tables.m_uses_xsdt = true;
    } else {
        root = PhysicalAddress(load_le<u32>(rsdp.data() + 16));
        entry_size = 4;
    }

    auto root_table = TRY(read_table(reader, root));
    if (!signature_is(root_table.data(), entry_size == 8 ? "XSDT" : "RSDT"))
        return Error::at(ErrorCode::Malformed, root.get(), "root table signature mismatch");
    usize entries = (root_table.size() - sizeof(TableHeader)) / entry_size;
    for (usize i = 0; i < entries; ++i) {
        const u8* slot = root_table.data() + sizeof(TableHeader) + i * entry_size;
        u64 address = entry_size == 8 ? load_le<u64>(slot) : load_le<u32>(slot);
        auto header = TRY(reader.read(PhysicalAddress(address), sizeof(TableHeader)));
        Entry entry { PhysicalAddress(address), {} };
        for (usize c = 0; c < 4; ++c)
            entry.signature[c] = static_cast<char>(header[c]);
        if (tables.m_tables.try_append(entry).is_error())
            return Error::from(ErrorCode::Exhausted, "more ACPI tables than the kernel tracks");
    }
    return tables;
}

StringView Tables::signature_of(usize index) const { return StringView(m_tables[index].signature, 4); }

Result<ReadonlyBytes> Tables::find(StringView signature, usize instance) const
{
    if (signature.length() != 4)
        return Error::from(ErrorCode::InvalidArgument, "ACPI signatures have four characters");
    for (auto& entry : m_tables) {
        if (StringView(entry.signature, 4) != signature)
            continue;
        if (instance-- == 0)
            return read_table(*m_reader, entry.address);
    }
    return Error::from(ErrorCode::NotFound, "ACPI table not present");
}

InterruptOverride MadtInfo::route_isa_irq(u8 isa_irq) const
{
    for (auto& entry : overrides) {
        if (entry.isa_irq == isa_irq)
            return entry;
    }
    return InterruptOverride { isa_irq, isa_irq, 0 };
}

Result<MadtInfo> parse_madt(ReadonlyBytes table)
{
    constexpr usize entries_offset = sizeof(TableHeader) + 8;
    if (table.size() < entries_offset || !signature_is(table.data(), "APIC"))
        return Error::from(ErrorCode::Malformed, "not a MADT");
    MadtInfo info {};
    info.local_apic_address = load_le<u32>(table.data() + sizeof(TableHeader));
    info.has_legacy_pics = (load_le<u32>(table.data() + sizeof(TableHeader) + 4) & 1) != 0;
    usize offset = entries_offset;
    while (offset < table.size()) {
        if (table.size() - offset < 2)
            return Error::at(ErrorCode::Malformed, offset, "truncated MADT entry header");
        u8 type = table[offset];
        u8 length = table[offset + 1];
        if (length < 2 || length > table.size() - offset)
            return Error::at(ErrorCode::Malformed, offset, "MADT entry length out of bounds");
        const u8* entry = table.data() + offset;
        switch (type) {
        case 0: // processor local APIC
            if (length < 8)
                return Error::at(ErrorCode::Malformed, offset, "short local APIC entry");
            if (load_le<u32>(entry + 4) & 1)
                ++info.processor_count;
            break;
        case 1: // I/O APIC
            if (length < 12)
                return Error::at(ErrorCode::Malformed, offset, "short I/O APIC entry");
            if (info.io_apics.try_append(IoApicInfo { entry[2], load_le<u32>(entry + 4), load_le<u32>(entry + 8) })
                    .is_error())
                return Error::at(ErrorCode::Exhausted, offset, "too many I/O APICs");
            break;
        case 2: // interrupt source override
            if (length < 10)
                return Error::at(ErrorCode::Malformed, offset, "short interrupt override entry");
            if (info.overrides.try_append(InterruptOverride { entry[3], load_le<u32>(entry + 4), load_le<u16>(entry + 8) })
                    .is_error())
                return Error::at(ErrorCode::Exhausted, offset, "too many interrupt overrides");
            break;
        case 5: // 64-bit local APIC address override
            if (length < 12)
                return Error::at(ErrorCode::Malformed, offset, "short local APIC override entry");
            info.local_apic_address = load_le<u64>(entry + 4);
            break;
        default:
            break; // other entry types do not matter to the kernel yet
        }
        offset += length;
    }
    if (info.io_apics.is_empty())
        return Error::from(ErrorCode::Invalid, "MADT lists no I/O APIC");
    return info;
}

Result<HpetInfo> parse_hpet(ReadonlyBytes table)
{
    if (table.size() < 56 || !signature_is(table.data(), "HPET"))
        return Error::from(ErrorCode::Malformed, "not an HPET table");
    // Generic address structure at 40: space id 0 = system memory.
    if (table[40] != 0)
        return Error::at(ErrorCode::Unsupported, 40, "HPET is not memory-mapped");
    HpetInfo info {};
    info.address = load_le<u64>(table.data() + 44);
    info.hpet_number = table[52];
    info.minimum_tick = load_le<u16>(table.data() + 53);
    if (info.address == 0 || info.address % 1024 != 0)
        return Error::at(ErrorCode::Malformed, 44, "HPET base address is invalid");
    return info;
}

Result<FixedVector<EcamWindow, 4>> parse_mcfg(ReadonlyBytes table)
{
    constexpr usize entries_offset = sizeof(TableHeader) + 8;
    constexpr usize entry_size = 16;
    if (table.size() < entries_offset || !signature_is(table.data(), "MCFG"))
        return Error::from(ErrorCode::Malformed, "not an MCFG table");
    FixedVector<EcamWindow, 4> windows;
    for (usize offset = entries_offset; offset + entry_size <= table.size(); offset += entry_size) {
        const u8* entry = table.data() + offset;
        EcamWindow window { load_le<u64>(entry), load_le<u16>(entry + 8), entry[10], entry[11] };
        if (window.bus_end < window.bus_start)
            return Error::at(ErrorCode::Malformed, offset, "MCFG entry's bus range is empty");
        if (window.base == 0 || window.base % (1 << 20) != 0)
            return Error::at(ErrorCode::Malformed, offset, "MCFG entry's base address is invalid");
        if (windows.try_append(window).is_error())
            return Error::at(ErrorCode::Exhausted, offset, "more MCFG entries than the kernel tracks");
    }
    if ((table.size() - entries_offset) % entry_size != 0)
        return Error::at(ErrorCode::Malformed, table.size(), "MCFG ends inside an entry");
    return windows;
}

} // namespace ath::acpi
