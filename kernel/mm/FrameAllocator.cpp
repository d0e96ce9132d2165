#include <kernel/mm/FrameAllocator.h>

namespace ath::mm {

Result<FrameAllocator> FrameAllocator::create(Span<u64> bitmap_words, u64 frame_count)
{
    if (frame_count == 0)
        return Error::from(ErrorCode::InvalidArgument, "frame allocator needs at least one frame");
    if (bitmap_words.size() < bitmap_words_for(frame_count))
        return Error::from(ErrorCode::InvalidArgument, "bitmap storage too small for the frame count");
    FrameAllocator allocator(BitmapView(bitmap_words, frame_count), frame_count);
    for (auto& word : bitmap_words)
        word = ~u64(0);
    return allocator;
}

void FrameAllocator::set_range(PhysicalAddress base, u64 size, bool in_use)
{
    // Releasing rounds inward (only whole frames are usable); reserving rounds outward (any frame
    // touched is taken).
    u64 start = base.get();
    u64 end = checked_add(start, size).value_or(~u64(0));
    auto frames_below = [](u64 address, bool round_up) {
        return address / page_size + ((round_up && address % page_size != 0) ? 1 : 0);
    };
    u64 first = frames_below(start, !in_use);
    u64 last = frames_below(end, in_use);
    last = min(last, m_frame_count);
    for (u64 frame = first; frame < last; ++frame) {
        bool was_used = m_bitmap.get(frame);
        if (was_used == in_use)
            continue;
        m_bitmap.set(frame, in_use);
        if (in_use)
            --m_free_count;
        else
            ++m_free_count;
    }
}

void FrameAllocator::release_range(PhysicalAddress base, u64 size) { set_range(base, size, false); }
void FrameAllocator::reserve_range(PhysicalAddress base, u64 size) { set_range(base, size, true); }

Result<PhysicalAddress> FrameAllocator::allocate()
{
    auto found = m_bitmap.find_first(false, m_search_hint);
    if (!found.has_value())
        found = m_bitmap.find_first(false, 0);
    if (!found.has_value())
        return Error::from(ErrorCode::OutOfMemory, "no free physical frame");
    m_bitmap.set(*found, true);
    --m_free_count;
    m_search_hint = *found + 1 < m_frame_count ? *found + 1 : 0;
    return PhysicalAddress(*found * page_size);
}

Result<PhysicalAddress> FrameAllocator::allocate_contiguous(u64 count)
{
    if (count == 0)
        return Error::from(ErrorCode::InvalidArgument, "zero frames requested");
    auto found = m_bitmap.find_run(false, count, 0);
    if (!found.has_value())
        return Error::from(ErrorCode::OutOfMemory, "no run of free physical frames that long");
    m_bitmap.set_range(*found, count, true);
    m_free_count -= count;
    return PhysicalAddress(*found * page_size);
}

bool FrameAllocator::is_free(PhysicalAddress frame) const
{
    u64 index = frame.get() / page_size;
    return index < m_frame_count && !m_bitmap.get(index);
}

ErrorOr FrameAllocator::free(PhysicalAddress frame) { return free_contiguous(frame, 1); }

ErrorOr FrameAllocator::free_contiguous(PhysicalAddress first, u64 count)
{
    if (!first.is_aligned(page_size))
        return Error::from(ErrorCode::InvalidArgument, "frame address is not page-aligned");
    u64 index = first.get() / page_size;
    if (count == 0 || !range_within(index, count, m_frame_count))
        return Error::from(ErrorCode::OutOfRange, "frame outside the managed physical range");
    // Validate every frame before freeing any, so a bad call changes nothing.
    for (u64 i = index; i < index + count; ++i) {
        if (!m_bitmap.get(i))
            return Error::from(ErrorCode::Invalid, "double free of a physical frame");
    }
    m_bitmap.set_range(index, count, false);
    m_free_count += count;
    return {};
}

} // namespace ath::mm
