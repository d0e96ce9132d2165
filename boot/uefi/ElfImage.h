#pragma once

// Validation of the kernel ELF before anything is allocated or copied: the loader trusts nothing
// in the file. parse() either returns a complete load plan or an Error naming the byte offset and
// the rule that was broken (validate, then commit). No UEFI dependency, so it is unit-tested hosted.
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::boot {

inline constexpr u16 elf_machine_x86_64 = 62;
inline constexpr u16 elf_machine_aarch64 = 183;
inline constexpr u16 elf_machine_riscv = 243;

inline constexpr usize max_load_segments = 16;
// A kernel image larger than this is treated as hostile rather than as a kernel.
inline constexpr u64 max_kernel_image_span = 256ULL * 1024 * 1024;
inline constexpr u64 kernel_page_size = 4096;

struct LoadSegment {
    u64 virtual_address; // as in the file, not page aligned
    u64 memory_size;
    u64 file_offset;
    u64 file_size;
    bool writable;
    bool executable;
};

struct KernelImage {
    u64 entry;
    u64 virtual_start; // page-aligned start of the lowest segment
    u64 virtual_end;   // page-aligned end of the highest segment
    FixedVector<LoadSegment, max_load_segments> segments;

    u64 span_size() const { return virtual_end - virtual_start; }

    // `lowest_virtual_address`: segments must lie at or above it (the higher-half base).
    static Result<KernelImage> parse(ReadonlyBytes file, u16 expected_machine, u64 lowest_virtual_address);

    // Copies the segments into `image` (span_size() bytes that will sit at virtual_start) and
    // zeroes everything else, including each segment's .bss tail.
    void copy_into(ReadonlyBytes file, Bytes image) const;
};

} // namespace ath::boot
