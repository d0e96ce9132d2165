// The hand-off probe: a stand-in kernel (x86_64) that checks, from the receiving side, every
// promise of boot/BootInfo.h the loader makes, prints one line per check and powers off with
// status 0 only when all of them hold. It lets the loader be tested without the real kernel.
#include <boot/BootInfo.h>

namespace {

using namespace ath;
using namespace ath::boot;

void out8(u16 port, u8 value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
void out32(u16 port, u32 value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
u8 in8(u16 port)
{
    u8 value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void put(char c)
{
    for (int spin = 0; spin < 100000 && !(in8(0x3F8 + 5) & 0x20); ++spin) { }
    out8(0x3F8, static_cast<u8>(c));
}
void put(const char* text)
{
    for (; *text; ++text) {
        if (*text == '\n')
            put('\r');
        put(*text);
    }
}
void put_hex(u64 value)
{
    put("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        put("0123456789abcdef"[(value >> shift) & 15]);
}
void put_decimal(u64 value)
{
    char digits[20];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        put(digits[--count]);
}

template<typename T>
T* direct(u64 physical) { return reinterpret_cast<T*>(direct_map_base + physical); }

int passed = 0;
int failed = 0;

void check(const char* name, bool ok)
{
    put(ok ? "probe: ok   " : "probe: FAIL ");
    put(name);
    put("\n");
    (ok ? passed : failed)++;
}

u64 read_cr0() { u64 v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
u64 read_cr3() { u64 v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
u64 read_rsp() { u64 v; asm volatile("mov %%rsp, %0" : "=r"(v)); return v; }
u64 read_efer()
{
    u32 low, high;
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(0xC0000080));
    return (static_cast<u64>(high) << 32) | low;
}
u64 read_tsc()
{
    u32 low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (static_cast<u64>(high) << 32) | low;
}

// Walks the live page tables through the direct map; returns the leaf entry (and the size of
// the page it maps) or 0.
u64 leaf_entry_for(u64 virtual_address, u64* page_size = nullptr)
{
    u64 table = read_cr3() & 0x000FFFFFFFFFF000ULL;
    for (int level = 3; level >= 0; --level) {
        u64 entry = direct<u64>(table)[(virtual_address >> (12 + 9 * level)) & 511];
        if (!(entry & 1))
            return 0;
        if (level == 0 || (entry & 0x80)) {
            if (page_size)
                *page_size = 1ULL << (12 + 9 * level);
            return entry;
        }
        table = entry & 0x000FFFFFFFFFF000ULL;
    }
    return 0;
}
constexpr u64 pte_writable = 1ULL << 1;
constexpr u64 pte_no_execute = 1ULL << 63;

const char probe_rodata[] = "read-only data of the probe";
u64 probe_data = 42;

bool memory_map_is_sane(const BootInfo& info, u64& usable_bytes, u64& highest_usable_end, bool& kernel_kept,
                        bool& boot_info_kept, bool& initrd_kept, u64 boot_info_physical)
{
    auto* ranges = direct<const MemoryRange>(info.memory_map);
    for (u64 i = 0; i < info.memory_map_count; ++i) {
        const MemoryRange& range = ranges[i];
        if (range.size == 0 || (i > 0 && range.base < ranges[i - 1].base + ranges[i - 1].size))
            return false;
        u64 end = range.base + range.size;
        if (range.kind == MemoryKind::Usable) {
            usable_bytes += range.size;
            if (end > highest_usable_end)
                highest_usable_end = end;
        }
        auto covers = [&](u64 base, u64 size) { return range.kind == MemoryKind::LoaderData && base >= range.base && base + size <= end; };
        kernel_kept |= covers(info.kernel_physical_base, info.kernel_size);
        boot_info_kept |= covers(boot_info_physical, sizeof(BootInfo));
        initrd_kept |= covers(info.initrd, info.initrd_size);
    }
    return info.memory_map_count > 0;
}

[[noreturn]] void power_off(int status)
{
    put("probe: power-off status=");
    put_decimal(static_cast<u64>(status));
    put("\n");
    out32(0xF4, 0x10u | (static_cast<u32>(status) & 0xF));
    for (;;)
        asm volatile("cli; hlt");
}

} // namespace

extern "C" [[noreturn]] void kernel_entry(BootInfo* info)
{
    u64 entry_tsc = read_tsc();
    u64 rsp = read_rsp();
    put("probe: hand-off probe running\n");
    u64 info_address = reinterpret_cast<u64>(info);
    check("boot info is passed as a direct-map address", info_address >= direct_map_base && info_address < direct_map_base + direct_map_max_size);
    check("boot info magic, version and size", is_compatible(*info));
    if (!is_compatible(*info))
        power_off(1);
    u64 boot_info_physical = info_address - direct_map_base;
    check("stack lies in the direct map", rsp >= direct_map_base && rsp < direct_map_base + direct_map_max_size);
    check("CR3 is the advertised page table root", (read_cr3() & ~0xFFFULL) == info->page_table_root);
    check("no-execute is enabled (EFER.NXE)", (read_efer() & (1u << 11)) != 0);
    check("write protection is enabled (CR0.WP)", (read_cr0() & (1u << 16)) != 0);
    check("interrupts are masked", [] { u64 flags; asm volatile("pushf; pop %0" : "=r"(flags)); return (flags & 0x200) == 0; }());

    u64 text_entry = leaf_entry_for(reinterpret_cast<u64>(&kernel_entry));
    u64 rodata_entry = leaf_entry_for(reinterpret_cast<u64>(&probe_rodata[0]));
    u64 data_entry = leaf_entry_for(reinterpret_cast<u64>(&probe_data));
    check("code is mapped read-only and executable", text_entry && !(text_entry & pte_writable) && !(text_entry & pte_no_execute));
    check("read-only data is mapped read-only and not executable", rodata_entry && !(rodata_entry & pte_writable) && (rodata_entry & pte_no_execute));
    check("data is mapped writable and not executable", data_entry && (data_entry & pte_writable) && (data_entry & pte_no_execute));
    check("data segment was copied from the file", probe_data == 42 && probe_rodata[0] == 'r');
    check("kernel physical base matches the mapping of its first page", ((text_entry & 0x000FFFFFFFFFF000ULL) - info->kernel_physical_base) < info->kernel_size);

    u64 usable = 0, highest_usable_end = 0;
    bool kernel_kept = false, boot_info_kept = false, initrd_kept = false;
    bool map_ok = memory_map_is_sane(*info, usable, highest_usable_end, kernel_kept, boot_info_kept, initrd_kept, boot_info_physical);
    check("memory map is non-empty, sorted and non-overlapping", map_ok);
    check("memory map has at least 128 MiB usable", usable >= (128ULL << 20));
    check("kernel image is marked LoaderData", kernel_kept);
    check("boot info is marked LoaderData", boot_info_kept);
    check("initrd is marked LoaderData", initrd_kept);
    if (highest_usable_end != 0) {
        volatile u8* last = direct<u8>(highest_usable_end - 1);
        u8 before = *last;
        *last = static_cast<u8>(before ^ 0x5A);
        bool writable = *last == static_cast<u8>(before ^ 0x5A);
        *last = before;
        check("direct map reaches the highest usable byte", writable);
    }

    bool initrd_ok = info->initrd != 0 && info->initrd_size >= 1024 && info->initrd_size % 512 == 0;
    if (initrd_ok) {
        // Every tar ends with two zero records.
        auto* tail = direct<const u8>(info->initrd + info->initrd_size - 1024);
        for (int i = 0; i < 1024; ++i)
            initrd_ok &= tail[i] == 0;
    }
    check("initrd is a tar archive readable through the direct map", initrd_ok);

    bool rsdp_ok = info->acpi_rsdp != 0;
    if (rsdp_ok) {
        auto* rsdp = direct<const u8>(info->acpi_rsdp);
        const char* signature = "RSD PTR ";
        u8 sum = 0;
        for (int i = 0; i < 8; ++i)
            rsdp_ok &= rsdp[i] == static_cast<u8>(signature[i]);
        for (int i = 0; i < 20; ++i)
            sum = static_cast<u8>(sum + rsdp[i]);
        rsdp_ok &= sum == 0;
    }
    check("ACPI RSDP found, signature and checksum valid", rsdp_ok);

    const Framebuffer& fb = info->framebuffer;
    bool fb_ok = fb.format != PixelFormat::None && fb.width > 0 && fb.height > 0 && fb.stride >= fb.width
        && static_cast<u64>(fb.stride) * fb.height * 4 <= fb.size;
    if (fb_ok) {
        volatile u32* pixels = direct<u32>(fb.base);
        u64 last = static_cast<u64>(fb.stride) * (fb.height - 1) + fb.width - 1;
        pixels[last] = 0x00FF8800;
        fb_ok = pixels[last] == 0x00FF8800;
    }
    check("framebuffer described and writable through the direct map", fb_ok);
    check("loader timestamp is set and earlier than the kernel's", info->loader_timestamp != 0 && info->loader_timestamp < entry_tsc);

    put("probe: framebuffer ");
    put_decimal(fb.width);
    put("x");
    put_decimal(fb.height);
    put(", memory ranges ");
    put_decimal(info->memory_map_count);
    put(", usable ");
    put_decimal(usable >> 20);
    put(" MiB, page table root ");
    put_hex(info->page_table_root);
    u64 direct_page_size = 0;
    leaf_entry_for(direct_map_base, &direct_page_size);
    put("\nprobe: direct map page size ");
    put_decimal(direct_page_size);
    put("\nprobe: cmdline \"");
    auto* cmdline = direct<const char>(info->cmdline);
    for (u64 i = 0; i < info->cmdline_size; ++i)
        put(cmdline[i]);
    put("\"\n");
    check("cmdline.txt arrives without its trailing newline", info->cmdline_size == 0 || cmdline[info->cmdline_size - 1] != '\n');

    put("probe: ");
    put_decimal(static_cast<u64>(passed));
    put(" passed, ");
    put_decimal(static_cast<u64>(failed));
    put(" failed\n");
    power_off(failed == 0 ? 0 : 1);
}
