#pragma once

// Builds small ELF64 executables in memory so each validation rule can be tested by breaking
// exactly one field.
#include <cstring>
#include <vector>

#include <kernel/lib/Types.h>

namespace ath::boot::testing {

struct SegmentSpec {
    u64 virtual_address;
    u64 memory_size;
    u64 file_size;
    u32 flags; // PF_X = 1, PF_W = 2, PF_R = 4
    u8 fill;   // byte the segment's file data is filled with
};

inline constexpr u64 base = 0xFFFFFFFF80000000ULL;

template<typename T>
void put(std::vector<u8>& bytes, usize offset, T value)
{
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

inline std::vector<u8> make_elf(const std::vector<SegmentSpec>& segments, u64 entry, u16 machine = 62)
{
    constexpr usize header_size = 64, program_header_size = 56;
    usize data_offset = header_size + segments.size() * program_header_size;
    usize total = data_offset;
    for (const auto& segment : segments)
        total += segment.file_size;
    std::vector<u8> bytes(total, 0);
    const u8 ident[] = { 0x7F, 'E', 'L', 'F', 2, 1, 1 };
    std::memcpy(bytes.data(), ident, sizeof(ident));
    put<u16>(bytes, 16, 2); // ET_EXEC
    put<u16>(bytes, 18, machine);
    put<u32>(bytes, 20, 1);
    put<u64>(bytes, 24, entry);
    put<u64>(bytes, 32, header_size);
    put<u16>(bytes, 52, header_size);
    put<u16>(bytes, 54, program_header_size);
    put<u16>(bytes, 56, static_cast<u16>(segments.size()));
    usize offset = data_offset;
    for (usize i = 0; i < segments.size(); ++i) {
        usize header = header_size + i * program_header_size;
        const auto& segment = segments[i];
        put<u32>(bytes, header, 1); // PT_LOAD
        put<u32>(bytes, header + 4, segment.flags);
        put<u64>(bytes, header + 8, offset);
        put<u64>(bytes, header + 16, segment.virtual_address);
        put<u64>(bytes, header + 24, segment.virtual_address);
        put<u64>(bytes, header + 32, segment.file_size);
        put<u64>(bytes, header + 40, segment.memory_size);
        put<u64>(bytes, header + 48, 4096);
        std::memset(bytes.data() + offset, segment.fill, segment.file_size);
        offset += segment.file_size;
    }
    return bytes;
}

// text (RX), rodata (R), data+bss (RW), laid out like a linker script with page-aligned sections.
inline std::vector<SegmentSpec> typical_kernel()
{
    return {
        { base, 0x1800, 0x1800, 5, 0xCC },
        { base + 0x2000, 0x300, 0x300, 4, 0xAA },
        { base + 0x3000, 0x2000, 0x100, 6, 0x11 },
    };
}

} // namespace ath::boot::testing
