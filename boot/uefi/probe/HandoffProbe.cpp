// The hand-off probe's checks that are the same on every arch, its output and its verdict (see
// Probe.h); the arch's ProbeArch.cpp adds what differs.
#include "Probe.h"

namespace ath {

// The probe has no kernel to panic into: report and exit with a status no check uses.
[[noreturn]] void panic_at(const char*, int, const char* message)
{
    probe::put("probe: internal error: ");
    probe::put(message);
    probe::put("\n");
    probe::arch::power_off(3);
}

} // namespace ath

namespace ath::probe {

namespace {

int passed = 0;
int failed = 0;

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
    arch::power_off(status);
}

} // namespace

void put(char c) { arch::write_byte(c); }

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

void check(const char* name, bool ok)
{
    put(ok ? "probe: ok   " : "probe: FAIL ");
    put(name);
    put("\n");
    (ok ? passed : failed)++;
}

void check_device_tree(const BootInfo& info)
{
    bool tree_ok = info.device_tree != 0;
    if (tree_ok) {
        auto* header = direct<const u8>(info.device_tree);
        tree_ok = header[0] == 0xD0 && header[1] == 0x0D && header[2] == 0xFE && header[3] == 0xED;
    }
    check("device tree found, magic valid", tree_ok);
}

} // namespace ath::probe

using namespace ath;
using namespace ath::boot;
using namespace ath::probe;

extern "C" [[noreturn]] void kernel_entry(BootInfo* info)
{
    u64 entry_counter = arch::counter();
    u64 sp = arch::stack_pointer();
    put("probe: hand-off probe running\n");
    u64 info_address = reinterpret_cast<u64>(info);
    check("boot info is passed as a direct-map address", info_address >= direct_map_base && info_address < direct_map_base + direct_map_max_size);
    check("boot info magic, version and size", is_compatible(*info));
    if (!is_compatible(*info))
        power_off(1);
    u64 boot_info_physical = info_address - direct_map_base;
    check("stack lies in the direct map", sp >= direct_map_base && sp < direct_map_base + direct_map_max_size);
    arch::check_cpu_state(*info);

    Mapping text = arch::mapping_of(reinterpret_cast<u64>(&kernel_entry));
    Mapping rodata = arch::mapping_of(reinterpret_cast<u64>(&probe_rodata[0]));
    Mapping data = arch::mapping_of(reinterpret_cast<u64>(&probe_data));
    check("code is mapped read-only and executable", text.present && !text.writable && text.executable);
    check("read-only data is mapped read-only and not executable", rodata.present && !rodata.writable && !rodata.executable);
    check("data is mapped writable and not executable", data.present && data.writable && !data.executable);
    check("data segment was copied from the file", probe_data == 42 && probe_rodata[0] == 'r');
    check("kernel physical base matches the mapping of its first page", (text.physical - info->kernel_physical_base) < info->kernel_size);

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
    arch::check_firmware_tables(*info);

    const Framebuffer& fb = info->framebuffer;
    bool fb_ok = fb.format != PixelFormat::None && fb.width > 0 && fb.height > 0 && fb.stride >= fb.width
        && static_cast<u64>(fb.stride) * fb.height * 4 <= fb.size;
    if (fb_ok) {
        volatile u32* pixels = direct<u32>(fb.base);
        u64 last = static_cast<u64>(fb.stride) * (fb.height - 1) + fb.width - 1;
        pixels[last] = 0x00FF8800;
        fb_ok = pixels[last] == 0x00FF8800;
    }
    if (fb.format == PixelFormat::None && arch::framebuffer_optional())
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
    put("\nprobe: direct map page size ");
    put_decimal(arch::mapping_of(arch::direct_map_sample(*info)).page_size);
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
