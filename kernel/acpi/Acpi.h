#pragma once

// ACPI table discovery: RSDP -> XSDT (or RSDT) -> tables by signature, plus the tables the
// kernel needs to find its interrupt controllers, a clock and PCI Express (MADT, HPET, MCFG). Every table is reached
// through a PhysicalReader and its length and checksum are checked before a byte of it is used; a
// corrupt table is an Error, never a crash. Generic: x86_64 uses it today, aarch64 ACPI later.
#include <kernel/lib/Address.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>

namespace ath::acpi {

// Gives read access to physical memory (the direct map in the kernel, a buffer in tests).
class PhysicalReader {
public:
    virtual Result<ReadonlyBytes> read(PhysicalAddress address, u64 length) const = 0;

protected:
    ~PhysicalReader() = default;
};

struct TableHeader {
    char signature[4];
    u32 length;
    u8 revision;
    u8 checksum;
    char oem_id[6];
    char oem_table_id[8];
    u32 oem_revision;
    u32 creator_id;
    u32 creator_revision;
};
static_assert(sizeof(TableHeader) == 36);

bool checksum_ok(ReadonlyBytes bytes);

class Tables {
public:
    static constexpr usize max_tables = 64;

    // Validates the RSDP and the root table (and the header of every table it lists).
    static Result<Tables> create(const PhysicalReader& reader, PhysicalAddress rsdp);

    // The whole table (header included), checksum-validated. NotFound when absent.
    Result<ReadonlyBytes> find(StringView signature, usize instance = 0) const;
    usize table_count() const { return m_tables.size(); }
    u8 revision() const { return m_revision; }
    bool uses_xsdt() const { return m_uses_xsdt; }
    // The signature of table `index` (for logs and tests).
    StringView signature_of(usize index) const;

private:
    struct Entry {
        PhysicalAddress address;
        char signature[4];
    };
    Tables(const PhysicalReader& reader) : m_reader(&reader) { }

    const PhysicalReader* m_reader;
    FixedVector<Entry, max_tables> m_tables;
    u8 m_revision { 0 };
    bool m_uses_xsdt { false };
};

// MADT ("APIC"): local APIC address, I/O APICs and ISA interrupt overrides.
struct IoApicInfo {
    u8 id;
    u32 address;
    u32 gsi_base;
};
struct InterruptOverride {
    u8 isa_irq;
    u32 gsi;
    u16 flags; // MPS INTI flags: polarity bits 0-1, trigger mode bits 2-3
};
struct MadtInfo {
    u64 local_apic_address;
    bool has_legacy_pics;
    usize processor_count;
    FixedVector<IoApicInfo, 8> io_apics;
    FixedVector<InterruptOverride, 16> overrides;

    // The GSI an ISA IRQ arrives on (identity unless overridden) and its flags.
    InterruptOverride route_isa_irq(u8 isa_irq) const;
};
Result<MadtInfo> parse_madt(ReadonlyBytes table);

// HPET: the MMIO base of the first timer block.
struct HpetInfo {
    u64 address;
    u8 hpet_number;
    u16 minimum_tick;
};
Result<HpetInfo> parse_hpet(ReadonlyBytes table);

// MCFG: the PCI Express ECAM windows, one per segment group and bus range. `base` is the address
// of bus 0's configuration space (the table's convention), so bus_start's is base + bus_start << 20.
struct EcamWindow {
    u64 base;
    u16 segment;
    u8 bus_start;
    u8 bus_end;
};
// Malformed for a short or misnamed table, an entry with end < start or a zero or unaligned base.
Result<FixedVector<EcamWindow, 4>> parse_mcfg(ReadonlyBytes table);

} // namespace ath::acpi
