#pragma once

// Hands out page-aligned ranges of a virtual window, e.g. the 4 GiB (+ guard) reservations of
// Wasm linear memories. Only address space is managed here; mapping pages into a range is the
// caller's business. Free ranges are kept sorted and merged, in fixed storage (no heap needed).
#include <kernel/lib/Address.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>

namespace ath::mm {

struct VirtualRange {
    VirtualAddress base;
    u64 size;

    VirtualAddress end() const { return base.offset(size); }
    bool contains(VirtualAddress address) const { return address >= base && address.get() - base.get() < size; }
};

class VirtualRangeAllocator {
public:
    static constexpr usize max_free_ranges = 256;

    static Result<VirtualRangeAllocator> create(VirtualRange window);

    // A range of `size` bytes (rounded up to pages) followed by `guard_size` bytes that stay
    // unmapped and belong to no other range, aligned to `alignment` (a power of two >= page_size).
    // The returned range covers only the usable part; the guard is released with it.
    Result<VirtualRange> allocate(u64 size, u64 guard_size = 0, u64 alignment = page_size);
    // `range` must be exactly what allocate returned (same guard_size); otherwise an error and no change.
    ErrorOr free(VirtualRange range, u64 guard_size = 0);

    u64 free_bytes() const;
    usize free_range_count() const { return m_free.size(); }
    VirtualRange window() const { return m_window; }

private:
    explicit VirtualRangeAllocator(VirtualRange window) : m_window(window) { }

    VirtualRange m_window;
    FixedVector<VirtualRange, max_free_ranges> m_free;
};

} // namespace ath::mm
