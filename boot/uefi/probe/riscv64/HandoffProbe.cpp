// The hand-off probe for riscv64: a stand-in kernel that checks, from the receiving side, every
// promise of boot/BootInfo.h the loader makes on this arch, prints one line per check and powers
// off with status 0 only when all of them hold (same output format as the x86_64 probe).
// The UART is QEMU virt's NS16550A through the direct map; power-off writes the isa-debug-exit
// encoding to the sifive,test finisher, like the kernel. U-Boot offers no framebuffer, so that
// check is reported as skipped unless one is described.
#include <boot/BootInfo.h>

namespace {

using namespace ath;
using namespace ath::boot;

template<typename T>
T* direct(u64 physical) { return reinterpret_cast<T*>(direct_map_base + physical); }

constexpr u64 uart_base = 0x10000000;
constexpr u64 finisher = 0x100000;

void put(char c)
{
    volatile u8* uart = direct<u8>(uart_base);
    for (int spin = 0; spin < 100000 && !(uart[5] & 0x20); ++spin) { }
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

#define READ_CSR(name)                                                                                         \
    ([] {                                                                                                      \
        u64 value_;                                                                                            \
        asm volatile("csrr %0, " #name : "=r"(value_));                                                       \
        return value_;                                                                                         \
    }())

constexpr u64 pte_read = 1ULL << 1;
constexpr u64 pte_write = 1ULL << 2;
constexpr u64 pte_execute = 1ULL << 3;
u64 physical_of(u64 entry) { return ((entry >> 10) & ((1ULL << 44) - 1)) << 12; }
u64 satp_root() { return (READ_CSR(satp) & ((1ULL << 44) - 1)) << 12; }

// Walks the live Sv48 tables through the direct map; returns the leaf entry (and the size of
// what it maps) or 0.
u64 leaf_entry_for(u64 virtual_address, u64* page_size = nullptr)
{
    u64 table = satp_root();
    for (int level = 3; level >= 0; --level) {
        u64 entry = direct<u64>(table)[(virtual_address >> (12 + 9 * level)) & 511];
        if (!(entry & 1))
            return 0;
        if (entry & (pte_read | pte_write | pte_execute)) {
            if (page_size)
                *page_size = 1ULL << (12 + 9 * level);
            return entry;
        }
        table = physical_of(entry);
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
    u32 code = (u32(0x10 | (status & 0xF)) << 1) | 1;
    *direct<volatile u32>(finisher) = (code << 16) | 0x3333; // FAIL with code: QEMU exits with it
    for (;;)
        asm volatile("wfi");
}

} // namespace

extern "C" [[noreturn]] void kernel_entry(BootInfo* info)
{
    u64 entry_counter;
    asm volatile("rdtime %0" : "=r"(entry_counter));
    u64 sp;
    asm volatile("mv %0, sp" : "=r"(sp));
    put("probe: hand-off probe running\n");
    u64 info_address = reinterpret_cast<u64>(info);
    check("boot info is passed as a direct-map address", info_address >= direct_map_base && info_address < direct_map_base + direct_map_max_size);
    check("boot info magic, version and size", is_compatible(*info));
    if (!is_compatible(*info))
        power_off(1);
    u64 boot_info_physical = info_address - direct_map_base;
    check("stack lies in the direct map", sp >= direct_map_base && sp < direct_map_base + direct_map_max_size);
    check("satp holds the advertised page table root", satp_root() == info->page_table_root);
    check("paging mode is Sv48", (READ_CSR(satp) >> 60) == 9);
    check("supervisor interrupts are masked (sstatus.SIE)", (READ_CSR(sstatus) & 2) == 0);

    u64 text_entry = leaf_entry_for(reinterpret_cast<u64>(&kernel_entry));
    u64 rodata_entry = leaf_entry_for(reinterpret_cast<u64>(&probe_rodata[0]));
    u64 data_entry = leaf_entry_for(reinterpret_cast<u64>(&probe_data));
    check("code is mapped read-only and executable", text_entry && !(text_entry & pte_write) && (text_entry & pte_execute));
    check("read-only data is mapped read-only and not executable", rodata_entry && !(rodata_entry & pte_write) && !(rodata_entry & pte_execute));
    check("data is mapped writable and not executable", data_entry && (data_entry & pte_write) && !(data_entry & pte_execute));
    check("data segment was copied from the file", probe_data == 42 && probe_rodata[0] == 'r');
    check("kernel physical base matches the mapping of its first page", (physical_of(text_entry) - info->kernel_physical_base) < info->kernel_size);

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
    if (fb.format == PixelFormat::None)
        put("probe: skip framebuffer (the firmware offers none)\n");
    else
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
