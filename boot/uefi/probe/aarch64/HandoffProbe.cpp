// The hand-off probe for aarch64: a stand-in kernel that checks, from the receiving side, every
// promise of boot/BootInfo.h the loader makes on this arch, prints one line per check and powers
// off with status 0 only when all of them hold (same output format as the x86_64 probe).
// The UART is QEMU virt's PL011 through the direct map; power-off is semihosting SYS_EXIT with the
// isa-debug-exit encoding, like the kernel.
#include <boot/BootInfo.h>

namespace {

using namespace ath;
using namespace ath::boot;

template<typename T>
T* direct(u64 physical) { return reinterpret_cast<T*>(direct_map_base + physical); }

constexpr u64 pl011 = 0x09000000;

void put(char c)
{
    volatile u32* uart = direct<u32>(pl011);
    for (int spin = 0; spin < 100000 && (uart[0x18 / 4] & (1u << 5)); ++spin) { }
    uart[0] = static_cast<u8>(c);
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

int passed = 0;
int failed = 0;

void check(const char* name, bool ok)
{
    put(ok ? "probe: ok   " : "probe: FAIL ");
    put(name);
    put("\n");
    (ok ? passed : failed)++;
}

#define READ_SYSREG(name)                                                                                      \
    ([] {                                                                                                      \
        u64 value_;                                                                                            \
        asm volatile("mrs %0, " #name : "=r"(value_));                                                        \
        return value_;                                                                                         \
    }())

constexpr u64 address_mask = 0x0000FFFFFFFFF000ULL;
constexpr u64 read_only = 1ULL << 7;
constexpr u64 privileged_no_execute = 1ULL << 53;

// Walks the live TTBR1 tables through the direct map; returns the leaf descriptor (and the size
// of what it maps) or 0.
u64 leaf_entry_for(u64 virtual_address, u64* page_size = nullptr)
{
    u64 table = READ_SYSREG(ttbr1_el1) & address_mask;
    for (int level = 0; level <= 3; ++level) {
        u64 entry = direct<u64>(table)[(virtual_address >> (39 - 9 * level)) & 511];
        if (!(entry & 1))
            return 0;
        if (level == 3 || !(entry & 2)) {
            if (page_size)
                *page_size = 1ULL << (39 - 9 * level);
            return entry;
        }
        table = entry & address_mask;
    }
    return 0;
}

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
    u64 block[2] = { 0x20026, (u64(0x10 | (status & 0xF)) << 1) | 1 }; // ApplicationExit, code
    register u64 operation asm("x0") = 0x18;                             // SYS_EXIT
    register u64 parameter asm("x1") = reinterpret_cast<u64>(block);
    asm volatile("hlt #0xf000" : "+r"(operation) : "r"(parameter) : "memory");
    for (;;)
        asm volatile("wfi");
}

} // namespace

extern "C" [[noreturn]] void kernel_entry(BootInfo* info)
{
    u64 entry_counter = READ_SYSREG(cntvct_el0);
    u64 sp;
    asm volatile("mov %0, sp" : "=r"(sp));
    put("probe: hand-off probe running\n");
    u64 info_address = reinterpret_cast<u64>(info);
    check("boot info is passed as a direct-map address", info_address >= direct_map_base && info_address < direct_map_base + direct_map_max_size);
    check("boot info magic, version and size", is_compatible(*info));
    if (!is_compatible(*info))
        power_off(1);
    u64 boot_info_physical = info_address - direct_map_base;
    check("stack lies in the direct map", sp >= direct_map_base && sp < direct_map_base + direct_map_max_size);
    check("TTBR1_EL1 and TTBR0_EL1 are the advertised page table root",
          (READ_SYSREG(ttbr1_el1) & address_mask) == info->page_table_root && (READ_SYSREG(ttbr0_el1) & address_mask) == info->page_table_root);
    check("running at EL1 with the MMU and caches on", (READ_SYSREG(CurrentEL) >> 2) == 1 && (READ_SYSREG(sctlr_el1) & 0x1005) == 0x1005);
    check("48-bit VAs in both halves, 4 KiB granules (TCR_EL1)", [] {
        u64 tcr = READ_SYSREG(tcr_el1);
        return (tcr & 0x3F) == 16 && ((tcr >> 16) & 0x3F) == 16 && ((tcr >> 14) & 3) == 0 && ((tcr >> 30) & 3) == 2;
    }());
    check("interrupts are masked", (READ_SYSREG(daif) & (1u << 7)) != 0);

    u64 text_entry = leaf_entry_for(reinterpret_cast<u64>(&kernel_entry));
    u64 rodata_entry = leaf_entry_for(reinterpret_cast<u64>(&probe_rodata[0]));
    u64 data_entry = leaf_entry_for(reinterpret_cast<u64>(&probe_data));
    check("code is mapped read-only and executable", text_entry && (text_entry & read_only) && !(text_entry & privileged_no_execute));
    check("read-only data is mapped read-only and not executable", rodata_entry && (rodata_entry & read_only) && (rodata_entry & privileged_no_execute));
    check("data is mapped writable and not executable", data_entry && !(data_entry & read_only) && (data_entry & privileged_no_execute));
    check("data segment was copied from the file", probe_data == 42 && probe_rodata[0] == 'r');
    check("kernel physical base matches the mapping of its first page", ((text_entry & address_mask) - info->kernel_physical_base) < info->kernel_size);

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
        auto* tail = direct<const u8>(info->initrd + info->initrd_size - 1024);
        for (int i = 0; i < 1024; ++i)
            initrd_ok &= tail[i] == 0;
    }
    check("initrd is a tar archive readable through the direct map", initrd_ok);

    bool tree_ok = info->device_tree != 0;
    if (tree_ok) {
        auto* header = direct<const u8>(info->device_tree);
        tree_ok = header[0] == 0xD0 && header[1] == 0x0D && header[2] == 0xFE && header[3] == 0xED;
    }
    check("device tree found, magic valid", tree_ok);

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
    check("loader timestamp is set and earlier than the kernel's", info->loader_timestamp != 0 && info->loader_timestamp < entry_counter);

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
    leaf_entry_for(direct_map_base + info->kernel_physical_base, &direct_page_size);
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
