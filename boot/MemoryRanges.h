#pragma once

// The last step of every loader's memory-map conversion (the UEFI loader's MemoryMap.cpp, the
// multiboot2 entry's kernel/arch/x86_64/multiboot2): ranges sorted by base, touching ranges of one
// kind merged, overlaps rejected (a frame must belong to one range), as BootInfo promises and the
// kernel's check_boot_info checks. Allocates nothing.
#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::boot {

// Sorts and merges ranges[0..count) in place; returns how many remain. Empty ranges are dropped.
inline Result<usize> sort_and_merge_memory_ranges(Span<MemoryRange> ranges, usize count)
{
    // Insertion sort: maps have a few hundred entries at most and are usually sorted already.
    for (usize i = 1; i < count; ++i) {
        MemoryRange range = ranges[i];
        usize position = i;
        while (position > 0 && ranges[position - 1].base > range.base) {
            ranges[position] = ranges[position - 1];
            --position;
        }
        ranges[position] = range;
    }
    usize merged = 0;
    for (usize i = 0; i < count; ++i) {
        if (ranges[i].size == 0)
            continue;
        if (merged > 0) {
            MemoryRange& previous = ranges[merged - 1];
            u64 previous_end = previous.base + previous.size;
            if (ranges[i].base < previous_end)
                return Error::at(ErrorCode::Malformed, i, "memory map has overlapping ranges");
            if (ranges[i].base == previous_end && ranges[i].kind == previous.kind) {
                previous.size += ranges[i].size;
                continue;
            }
        }
        ranges[merged++] = ranges[i];
    }
    return merged;
}

} // namespace ath::boot
