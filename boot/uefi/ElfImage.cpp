#include "ElfImage.h"

#include <kernel/lib/Bits.h>

namespace ath::boot {

namespace {

// ELF64 header and program header offsets (System V gABI), read with explicit little-endian loads
// so an unaligned or truncated file can never be dereferenced.
constexpr usize elf_header_size = 64;
constexpr usize program_header_size = 56;
constexpr u32 pt_load = 1;
constexpr u32 pf_x = 1;
constexpr u32 pf_w = 2;
constexpr u16 et_exec = 2;
constexpr usize max_program_headers = 64;

u16 read16(ReadonlyBytes bytes, usize offset) { return load_le<u16>(bytes.slice(offset, 2).data()); }
u32 read32(ReadonlyBytes bytes, usize offset) { return load_le<u32>(bytes.slice(offset, 4).data()); }
u64 read64(ReadonlyBytes bytes, usize offset) { return load_le<u64>(bytes.slice(offset, 8).data()); }

ErrorOr check_identification(ReadonlyBytes file, u16 expected_machine)
{
    if (file.size() < elf_header_size)
        return Error::at(ErrorCode::Malformed, file.size(), "file is shorter than an ELF64 header");
    if (file[0] != 0x7F || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
        return Error::at(ErrorCode::Malformed, 0, "not an ELF file (bad magic)");
    if (file[4] != 2)
        return Error::at(ErrorCode::Malformed, 4, "not a 64-bit ELF file");
    if (file[5] != 1)
        return Error::at(ErrorCode::Malformed, 5, "not a little-endian ELF file");
    if (file[6] != 1)
        return Error::at(ErrorCode::Malformed, 6, "unknown ELF version");
    if (read16(file, 16) != et_exec)
        return Error::at(ErrorCode::Invalid, 16, "ELF file is not an executable (ET_EXEC)");
    if (read16(file, 18) != expected_machine)
        return Error::at(ErrorCode::Invalid, 18, "ELF file is for another machine");
    if (read32(file, 20) != 1)
        return Error::at(ErrorCode::Malformed, 20, "unknown ELF version");
    return {};
}

Result<LoadSegment> parse_load_segment(ReadonlyBytes file, usize header_offset, u64 lowest_virtual_address)
{
    LoadSegment segment {
        .virtual_address = read64(file, header_offset + 16),
        .memory_size = read64(file, header_offset + 40),
        .file_offset = read64(file, header_offset + 8),
        .file_size = read64(file, header_offset + 32),
        .writable = (read32(file, header_offset + 4) & pf_w) != 0,
        .executable = (read32(file, header_offset + 4) & pf_x) != 0,
    };
    if (!range_within<u64>(segment.file_offset, segment.file_size, file.size()))
        return Error::at(ErrorCode::Malformed, header_offset + 8, "segment data lies outside the file");
    if (segment.file_size > segment.memory_size)
        return Error::at(ErrorCode::Malformed, header_offset + 32, "segment file size exceeds its memory size");
    if (segment.memory_size == 0)
        return Error::at(ErrorCode::Invalid, header_offset + 40, "empty loadable segment");
    if (segment.memory_size > max_kernel_image_span)
        return Error::at(ErrorCode::Invalid, header_offset + 40, "segment is larger than a kernel can be");
    if (segment.virtual_address < lowest_virtual_address)
        return Error::at(ErrorCode::Invalid, header_offset + 16, "segment is not in the kernel's higher half");
    auto end = checked_add<u64>(segment.virtual_address, segment.memory_size);
    if (!end.has_value() || !checked_align_up<u64>(*end, kernel_page_size).has_value())
        return Error::at(ErrorCode::Invalid, header_offset + 16, "segment wraps around the address space");
    if (segment.writable && segment.executable)
        return Error::at(ErrorCode::Invalid, header_offset + 4, "segment is both writable and executable (W^X)");
    return segment;
}

} // namespace

Result<KernelImage> KernelImage::parse(ReadonlyBytes file, u16 expected_machine, u64 lowest_virtual_address)
{
    TRY(check_identification(file, expected_machine));

    u64 entry = read64(file, 24);
    u64 program_headers = read64(file, 32);
    u16 entry_size = read16(file, 54);
    u16 count = read16(file, 56);
    if (entry_size != program_header_size)
        return Error::at(ErrorCode::Malformed, 54, "unexpected program header size");
    if (count == 0 || count > max_program_headers)
        return Error::at(ErrorCode::Malformed, 56, "program header count is zero or implausible");
    if (!range_within<u64>(program_headers, static_cast<u64>(count) * program_header_size, file.size()))
        return Error::at(ErrorCode::Malformed, 32, "program headers lie outside the file");

    KernelImage image { .entry = entry, .virtual_start = 0, .virtual_end = 0, .segments = {} };
    for (u16 index = 0; index < count; ++index) {
        usize header_offset = program_headers + static_cast<usize>(index) * program_header_size;
        if (read32(file, header_offset) != pt_load)
            continue;
        LoadSegment segment = TRY(parse_load_segment(file, header_offset, lowest_virtual_address));
        // Segments must ascend (the gABI requires it) and must not overlap; two segments may share
        // a page only at their boundary, the loader then merges that page's permissions.
        if (!image.segments.is_empty()) {
            const LoadSegment& previous = image.segments[image.segments.size() - 1];
            if (segment.virtual_address < previous.virtual_address + previous.memory_size)
                return Error::at(ErrorCode::Invalid, header_offset + 16, "loadable segments overlap or are not sorted");
        }
        if (image.segments.try_append(segment).is_error())
            return Error::at(ErrorCode::Invalid, header_offset, "too many loadable segments");
    }
    if (image.segments.is_empty())
        return Error::at(ErrorCode::Invalid, 56, "no loadable segment");

    const LoadSegment& lowest = image.segments[0];
    const LoadSegment& highest = image.segments[image.segments.size() - 1];
    image.virtual_start = align_down<u64>(lowest.virtual_address, kernel_page_size);
    image.virtual_end = align_up<u64>(highest.virtual_address + highest.memory_size, kernel_page_size);
    if (image.span_size() > max_kernel_image_span)
        return Error::at(ErrorCode::Invalid, 32, "kernel image spans more address space than a kernel can");

    bool entry_is_code = false;
    for (const LoadSegment& segment : image.segments) {
        if (segment.executable && entry >= segment.virtual_address && entry - segment.virtual_address < segment.memory_size)
            entry_is_code = true;
    }
    if (!entry_is_code)
        return Error::at(ErrorCode::Invalid, 24, "entry point is not inside an executable segment");
    return image;
}

void KernelImage::copy_into(ReadonlyBytes file, Bytes image) const
{
    VERIFY(image.size() == span_size());
    image.fill(0);
    for (const LoadSegment& segment : segments) {
        ReadonlyBytes source = file.slice(segment.file_offset, segment.file_size);
        source.copy_to(image.slice(segment.virtual_address - virtual_start, segment.file_size));
    }
}

} // namespace ath::boot
