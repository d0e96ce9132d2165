#pragma once

// The multiboot2 boot information (what GRUB hands the kernel on legacy BIOS), read and checked
// completely before anything uses it (validate, then commit), and its memory map turned into
// BootInfo's. No machine access, so it is unit-tested hosted (tests/boot/unit/Multiboot2Test.cpp);
// Stage.cpp applies it.
#include <boot/BootInfo.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>

namespace ath::multiboot2 {

inline constexpr u32 loader_magic = 0x36D76289; // eax at the entry
inline constexpr u32 max_information_size = 1u << 20;
inline constexpr usize max_modules = 16;

enum class TagType : u32 {
    End = 0,
    CommandLine = 1,
    Module = 3,
    MemoryMap = 6,
    Framebuffer = 8,
    AcpiOld = 14, // a copy of the ACPI 1.0 RSDP
    AcpiNew = 15, // a copy of the ACPI 2.0+ RSDP
};

struct Module {
    u64 start; // physical
    u64 end;   // physical, exclusive
    StringView name; // the words after the path on grub.cfg's module2 line
};

// One memory map entry as the firmware (e820) reported it.
struct FirmwareRange {
    u64 base;
    u64 size;
    u32 type; // 1 available, 3 ACPI reclaimable, 4 ACPI NVS, anything else reserved
};

struct BootInformation {
    StringView command_line;
    FixedVector<Module, max_modules> modules;
    ReadonlyBytes memory_map; // memory_map_entry_size bytes per entry
    u32 memory_map_entry_size = 0;
    ReadonlyBytes rsdp; // the loader's copy of the RSDP (2.0 preferred), empty when absent
    boot::Framebuffer framebuffer {}; // format None when absent or not 32-bit RGB

    // Every tag inside the total size, 8-aligned, sized for its type, strings NUL-terminated,
    // modules not ending before they start, one memory map with whole entries, an end tag.
    static Result<BootInformation> parse(ReadonlyBytes information);

    usize memory_map_count() const { return memory_map.size() / memory_map_entry_size; }
    FirmwareRange memory_map_entry(usize index) const;
    Optional<Module> module_named(StringView name) const;
};

boot::MemoryKind memory_kind_of(u32 firmware_type);

// The highest address any firmware range covers (exclusive), for sizing the direct map.
u64 highest_physical_address(const BootInformation& information);

// How many ranges convert_memory_map may write for `kept_count` kept ranges.
usize memory_map_capacity(const BootInformation& information, usize kept_count);

// The kernel's memory map from the firmware's: kinds from the e820 types, overlaps rejected,
// usable RAM shrunk to whole pages, and each of `kept` (page-aligned, non-overlapping ranges the
// kernel keeps: its image, the initrd, what the entry allocated) carved out of usable RAM as
// LoaderData; a kept range outside usable RAM is an error. Sorted and merged as BootInfo promises.
// Returns the number of ranges written.
Result<usize> convert_memory_map(const BootInformation& information, Span<const boot::MemoryRange> kept,
                                 Span<boot::MemoryRange> ranges);

} // namespace ath::multiboot2
