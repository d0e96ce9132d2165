#include <kernel/lib/Address.h>
#include <kernel/lib/Bits.h>
#include <kernel/main/BootInfoCheck.h>

namespace ath {

namespace {

bool fits(u64 base, u64 size) { return checked_add(base, size).has_value(); }

bool known_kind(boot::MemoryKind kind)
{
    auto value = static_cast<u32>(kind);
    return value >= static_cast<u32>(boot::MemoryKind::Usable) && value <= static_cast<u32>(boot::MemoryKind::RuntimeServices);
}

} // namespace

ErrorOr check_boot_info(const boot::BootInfo& info, PhysicalAccess access)
{
    if (info.memory_map_count == 0 || info.memory_map_count > max_memory_map_entries)
        return Error::from(ErrorCode::Malformed, "memory map entry count is zero or absurd");
    u64 map_bytes = info.memory_map_count * sizeof(boot::MemoryRange);
    const void* map = (info.memory_map == 0 || !fits(info.memory_map, map_bytes)) ? nullptr
                                                                                   : access(info.memory_map, map_bytes);
    if (!map)
        return Error::from(ErrorCode::Malformed, "memory map is not in readable memory");
    auto* ranges = static_cast<const boot::MemoryRange*>(map);
    u64 previous_end = 0;
    bool any_usable = false;
    for (u64 i = 0; i < info.memory_map_count; ++i) {
        const auto& range = ranges[i];
        if (range.size == 0 || !fits(range.base, range.size))
            return Error::at(ErrorCode::Malformed, i, "memory map range is empty or wraps around");
        if (!known_kind(range.kind))
            return Error::at(ErrorCode::Malformed, i, "memory map range has an unknown kind");
        if (i > 0 && range.base < previous_end)
            return Error::at(ErrorCode::Malformed, i, "memory map is not sorted or has overlapping ranges");
        previous_end = range.base + range.size;
        any_usable = any_usable || range.kind == boot::MemoryKind::Usable;
    }
    if (!any_usable)
        return Error::from(ErrorCode::Invalid, "memory map has no usable RAM");

    if (info.kernel_size == 0 || !fits(info.kernel_physical_base, info.kernel_size)
        || !is_aligned(info.kernel_physical_base, page_size))
        return Error::from(ErrorCode::Malformed, "kernel image range is empty, unaligned or wraps");
    if (info.cmdline_size > max_cmdline_bytes)
        return Error::from(ErrorCode::Malformed, "command line is longer than the kernel accepts");
    if (info.cmdline_size != 0 && (info.cmdline == 0 || !fits(info.cmdline, info.cmdline_size)
                                   || !access(info.cmdline, info.cmdline_size)))
        return Error::from(ErrorCode::Malformed, "command line is not in readable memory");
    if (info.initrd != 0 && (info.initrd_size == 0 || !fits(info.initrd, info.initrd_size)
                             || !access(info.initrd, info.initrd_size)))
        return Error::from(ErrorCode::Malformed, "initrd is empty or not in readable memory");
    if (info.framebuffer.format != boot::PixelFormat::None
        && (info.framebuffer.base == 0 || info.framebuffer.size == 0 || !fits(info.framebuffer.base, info.framebuffer.size)))
        return Error::from(ErrorCode::Malformed, "framebuffer range is empty or wraps");
    return {};
}

} // namespace ath
