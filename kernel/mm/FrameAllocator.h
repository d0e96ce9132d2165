#pragma once

// Physical page frames, one bit each (1 = in use). Everything starts in use; the boot code frees
// exactly the ranges the memory map calls usable, so a frame nobody described (or one holding the
// kernel, the initrd, BootInfo or page tables) can never be handed out. The class owns no memory:
// the bitmap lives wherever its creator puts it, which makes it testable on the host.
#include <kernel/lib/Address.h>
#include <kernel/lib/Bitmap.h>
#include <kernel/lib/Result.h>

namespace ath::mm {

class FrameAllocator {
public:
    FrameAllocator() = default;

    // Manages frames [0, frame_count); `bitmap_words` must hold frame_count bits.
    static Result<FrameAllocator> create(Span<u64> bitmap_words, u64 frame_count);
    static constexpr u64 bitmap_words_for(u64 frame_count) { return (frame_count + 63) / 64; }

    // Boot-time bookkeeping: whole frames inside [base, base + size) become free / in use.
    // Parts beyond the managed range are ignored (memory the allocator does not cover).
    void release_range(PhysicalAddress base, u64 size);
    void reserve_range(PhysicalAddress base, u64 size);

    Result<PhysicalAddress> allocate();
    Result<PhysicalAddress> allocate_contiguous(u64 count);
    // Errors (and changes nothing) for an unaligned, unmanaged or already-free frame.
    ErrorOr free(PhysicalAddress frame);
    ErrorOr free_contiguous(PhysicalAddress first, u64 count);

    bool is_free(PhysicalAddress frame) const;
    u64 frame_count() const { return m_frame_count; }
    u64 free_count() const { return m_free_count; }

private:
    FrameAllocator(BitmapView bitmap, u64 frame_count) : m_bitmap(bitmap), m_frame_count(frame_count) { }
    void set_range(PhysicalAddress base, u64 size, bool in_use);

    BitmapView m_bitmap;
    u64 m_frame_count { 0 };
    u64 m_free_count { 0 };
    u64 m_search_hint { 0 };
};

} // namespace ath::mm
