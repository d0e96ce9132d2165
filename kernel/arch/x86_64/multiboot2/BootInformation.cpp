#include <boot/MemoryRanges.h>
#include <kernel/arch/x86_64/multiboot2/BootInformation.h>
#include <kernel/lib/Bits.h>

namespace ath::multiboot2 {

namespace {

constexpr u64 page = 4096;
constexpr usize tag_header_size = 8;
constexpr usize module_tag_minimum = 16 + 1;       // start, end, the name's NUL
constexpr usize memory_map_tag_header = 16;        // + entry size, entry version
constexpr usize memory_map_entry_minimum = 24;     // base, length, type, reserved
constexpr usize framebuffer_tag_minimum = 32;      // address, pitch, width, height, bpp, type, reserved
constexpr usize framebuffer_rgb_tag_minimum = 38;  // + the six colour field positions and sizes
constexpr usize rsdp_1_size = 20;
constexpr usize rsdp_2_size = 36;

u32 u32_at(ReadonlyBytes bytes, usize offset) { return load_le<u32>(bytes.data() + offset); }
u64 u64_at(ReadonlyBytes bytes, usize offset) { return load_le<u64>(bytes.data() + offset); }

// The NUL-terminated string that starts `start` bytes into `tag` (at `tag_offset` in the information).
Result<StringView> string_in(ReadonlyBytes tag, usize start, usize tag_offset)
{
    for (usize i = start; i < tag.size(); ++i) {
        if (tag[i] == 0)
            return StringView(reinterpret_cast<const char*>(tag.data() + start), i - start);
    }
    return Error::at(ErrorCode::Malformed, tag_offset, "a string is not NUL-terminated inside its tag");
}

// Only 32-bit RGB with 8-bit channels in either byte order is a format the kernel draws in.
boot::Framebuffer framebuffer_of(ReadonlyBytes tag)
{
    boot::Framebuffer none {};
    if (tag.size() < framebuffer_rgb_tag_minimum || tag[29] != 1 /* RGB */ || tag[28] != 32)
        return none;
    u64 address = u64_at(tag, 8);
    u32 pitch = u32_at(tag, 16), width = u32_at(tag, 20), height = u32_at(tag, 24);
    u8 red = tag[32], green = tag[34], blue = tag[36];
    if (tag[33] != 8 || tag[35] != 8 || tag[37] != 8 || green != 8)
        return none;
    if (address == 0 || width == 0 || height == 0 || pitch % 4 != 0 || pitch / 4 < width)
        return none;
    boot::PixelFormat format = red == 16 && blue == 0 ? boot::PixelFormat::Bgrx8888
        : red == 0 && blue == 16                        ? boot::PixelFormat::Rgbx8888
                                                        : boot::PixelFormat::None;
    if (format == boot::PixelFormat::None)
        return none;
    return boot::Framebuffer { address, u64(pitch) * height, width, height, pitch / 4, format };
}

} // namespace

Result<BootInformation> BootInformation::parse(ReadonlyBytes information)
{
    if (information.size() < 2 * tag_header_size)
        return Error::at(ErrorCode::Malformed, 0, "boot information is shorter than its header and end tag");
    u32 total = u32_at(information, 0);
    if (total < 2 * tag_header_size || total > information.size() || total > max_information_size)
        return Error::at(ErrorCode::Malformed, 0, "boot information total size is out of range");
    information = information.slice(0, total);

    BootInformation result;
    ReadonlyBytes rsdp_1;
    usize offset = tag_header_size;
    while (true) {
        if (offset + tag_header_size > total)
            return Error::at(ErrorCode::Malformed, offset, "boot information has no end tag");
        u32 type = u32_at(information, offset);
        u32 size = u32_at(information, offset + 4);
        if (size < tag_header_size || size > total - offset)
            return Error::at(ErrorCode::Malformed, offset, "a tag's size is smaller than its header or runs past the end");
        ReadonlyBytes tag = information.slice(offset, size);
        switch (static_cast<TagType>(type)) {
        case TagType::End:
            if (size != tag_header_size)
                return Error::at(ErrorCode::Malformed, offset, "the end tag has the wrong size");
            if (result.memory_map_entry_size == 0)
                return Error::from(ErrorCode::Malformed, "boot information has no memory map tag");
            if (result.rsdp.is_empty())
                result.rsdp = rsdp_1;
            return result;
        case TagType::CommandLine:
            result.command_line = TRY(string_in(tag, tag_header_size, offset));
            break;
        case TagType::Module: {
            if (size < module_tag_minimum)
                return Error::at(ErrorCode::Malformed, offset, "a module tag is too short");
            Module module { u32_at(tag, 8), u32_at(tag, 12), TRY(string_in(tag, 16, offset)) };
            if (module.end < module.start)
                return Error::at(ErrorCode::Malformed, offset, "a module ends before it starts");
            if (result.modules.try_append(module).is_error())
                return Error::at(ErrorCode::Malformed, offset, "too many modules");
            break;
        }
        case TagType::MemoryMap: {
            if (result.memory_map_entry_size != 0)
                return Error::at(ErrorCode::Malformed, offset, "more than one memory map tag");
            if (size < memory_map_tag_header)
                return Error::at(ErrorCode::Malformed, offset, "the memory map tag is too short");
            u32 entry_size = u32_at(tag, 8);
            if (entry_size < memory_map_entry_minimum || entry_size % 8 != 0)
                return Error::at(ErrorCode::Malformed, offset, "memory map entries are smaller than 24 bytes or unaligned");
            ReadonlyBytes entries = tag.slice(memory_map_tag_header);
            if (entries.is_empty() || entries.size() % entry_size != 0)
                return Error::at(ErrorCode::Malformed, offset, "the memory map tag is not a whole, non-zero number of entries");
            result.memory_map = entries;
            result.memory_map_entry_size = entry_size;
            break;
        }
        case TagType::Framebuffer:
            if (size < framebuffer_tag_minimum)
                return Error::at(ErrorCode::Malformed, offset, "the framebuffer tag is too short");
            result.framebuffer = framebuffer_of(tag);
            break;
        case TagType::AcpiNew:
            if (size < tag_header_size + rsdp_2_size)
                return Error::at(ErrorCode::Malformed, offset, "the ACPI 2.0 RSDP tag is too short");
            result.rsdp = tag.slice(tag_header_size, rsdp_2_size);
            break;
        case TagType::AcpiOld:
            if (size < tag_header_size + rsdp_1_size)
                return Error::at(ErrorCode::Malformed, offset, "the ACPI 1.0 RSDP tag is too short");
            rsdp_1 = tag.slice(tag_header_size, rsdp_1_size);
            break;
        default:
            break; // loader name, boot device, BIOS memory sizes, ...: nothing the kernel needs
        }
        auto next = checked_align_up<u64>(u64(offset) + size, 8);
        if (!next.has_value())
            return Error::at(ErrorCode::Malformed, offset, "a tag's size is out of range");
        offset = usize(*next);
    }
}

FirmwareRange BootInformation::memory_map_entry(usize index) const
{
    ReadonlyBytes entry = memory_map.slice(index * memory_map_entry_size, memory_map_entry_size);
    return { u64_at(entry, 0), u64_at(entry, 8), u32_at(entry, 16) };
}

Optional<Module> BootInformation::module_named(StringView name) const
{
    for (usize i = 0; i < modules.size(); ++i) {
        if (modules[i].name == name)
            return modules[i];
    }
    return none;
}

boot::MemoryKind memory_kind_of(u32 firmware_type)
{
    switch (firmware_type) {
    case 1:
        return boot::MemoryKind::Usable;
    case 3:
        return boot::MemoryKind::AcpiReclaim;
    case 4:
        return boot::MemoryKind::AcpiNvs;
    default:
        return boot::MemoryKind::Reserved; // reserved, defective and unknown types: the kernel keeps away
    }
}

u64 highest_physical_address(const BootInformation& information)
{
    u64 highest = 0;
    for (usize i = 0; i < information.memory_map_count(); ++i) {
        FirmwareRange range = information.memory_map_entry(i);
        auto end = checked_add(range.base, range.size);
        if (end.has_value() && *end > highest)
            highest = *end;
    }
    return highest;
}

usize memory_map_capacity(const BootInformation& information, usize kept_count)
{
    return information.memory_map_count() + 2 * kept_count;
}

Result<usize> convert_memory_map(const BootInformation& information, Span<const boot::MemoryRange> kept,
                                 Span<boot::MemoryRange> ranges)
{
    usize count = 0;
    for (usize i = 0; i < information.memory_map_count(); ++i) {
        FirmwareRange entry = information.memory_map_entry(i);
        if (!checked_add(entry.base, entry.size).has_value())
            return Error::at(ErrorCode::Malformed, i, "a firmware memory map entry wraps around");
        if (count == ranges.size())
            return Error::from(ErrorCode::OutOfRange, "memory map has more entries than were reserved");
        ranges[count++] = { entry.base, entry.size, memory_kind_of(entry.type), 0 };
    }
    count = TRY(sort_and_merge_memory_ranges(ranges, count));

    // Usable RAM in whole pages only: a partial page may share its frame with firmware data.
    for (usize i = 0; i < count; ++i) {
        if (ranges[i].kind != boot::MemoryKind::Usable)
            continue;
        u64 start = align_up(ranges[i].base, page);
        u64 end = align_down(ranges[i].base + ranges[i].size, page);
        ranges[i].base = start;
        ranges[i].size = end > start ? end - start : 0;
    }

    for (usize k = 0; k < kept.size(); ++k) {
        const boot::MemoryRange& keep = kept[k];
        u64 keep_end = keep.base + keep.size;
        usize holder = count;
        for (usize i = 0; i < count; ++i) {
            if (ranges[i].kind == boot::MemoryKind::Usable && ranges[i].size != 0 && ranges[i].base <= keep.base
                && keep_end <= ranges[i].base + ranges[i].size)
                holder = i;
        }
        if (holder == count)
            return Error::at(ErrorCode::Invalid, keep.base, "memory the kernel keeps is not inside usable RAM");
        if (count + 2 > ranges.size())
            return Error::from(ErrorCode::OutOfRange, "memory map has more entries than were reserved");
        boot::MemoryRange usable = ranges[holder];
        // The holder becomes the part below; the kept range and the part above are appended (the
        // final sort puts them in place).
        ranges[holder].size = keep.base - usable.base;
        ranges[count++] = { keep.base, keep.size, boot::MemoryKind::LoaderData, 0 };
        ranges[count++] = { keep_end, usable.base + usable.size - keep_end, boot::MemoryKind::Usable, 0 };
    }
    return sort_and_merge_memory_ranges(ranges, count);
}

} // namespace ath::multiboot2
