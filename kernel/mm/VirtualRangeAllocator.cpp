#include <kernel/mm/VirtualRangeAllocator.h>

namespace ath::mm {

Result<VirtualRangeAllocator> VirtualRangeAllocator::create(VirtualRange window)
{
    if (!window.base.is_aligned(page_size) || window.size == 0 || !is_aligned(window.size, page_size))
        return Error::from(ErrorCode::InvalidArgument, "virtual window must be non-empty and page-aligned");
    if (!checked_add(window.base.get(), window.size).has_value())
        return Error::from(ErrorCode::InvalidArgument, "virtual window wraps around");
    VirtualRangeAllocator allocator(window);
    TRY(allocator.m_free.try_append(window));
    return allocator;
}

Result<VirtualRange> VirtualRangeAllocator::allocate(u64 size, u64 guard_size, u64 alignment)
{
    if (size == 0)
        return Error::from(ErrorCode::InvalidArgument, "empty virtual range requested");
    if (!is_power_of_two(alignment) || alignment < page_size)
        return Error::from(ErrorCode::InvalidArgument, "alignment must be a power of two of at least a page");
    auto rounded_size = checked_align_up(size, page_size);
    auto rounded_guard = checked_align_up(guard_size, page_size);
    if (!rounded_size.has_value() || !rounded_guard.has_value())
        return Error::from(ErrorCode::OutOfRange, "virtual range size overflows");
    auto total = checked_add(*rounded_size, *rounded_guard);
    if (!total.has_value())
        return Error::from(ErrorCode::OutOfRange, "virtual range size overflows");

    for (usize i = 0; i < m_free.size(); ++i) {
        VirtualRange candidate = m_free[i];
        auto start = checked_align_up(candidate.base.get(), alignment);
        if (!start.has_value() || *start - candidate.base.get() > candidate.size)
            continue;
        u64 leading = *start - candidate.base.get();
        if (candidate.size - leading < *total)
            continue;
        u64 trailing = candidate.size - leading - *total;
        // Splitting may need one more slot: check before touching anything.
        if (leading != 0 && trailing != 0 && m_free.is_full())
            return Error::from(ErrorCode::Exhausted, "virtual range allocator is too fragmented");
        VirtualRange after { VirtualAddress(*start + *total), trailing };
        if (leading != 0) {
            m_free[i].size = leading;
            if (trailing != 0) {
                // Insert `after` right behind i to keep the list sorted.
                TRY(m_free.try_append(after));
                for (usize j = m_free.size() - 1; j > i + 1; --j) {
                    VirtualRange swap = m_free[j];
                    m_free[j] = m_free[j - 1];
                    m_free[j - 1] = swap;
                }
            }
        } else if (trailing != 0) {
            m_free[i] = after;
        } else {
            m_free.remove(i);
        }
        return VirtualRange { VirtualAddress(*start), *rounded_size };
    }
    return Error::from(ErrorCode::OutOfMemory, "no virtual range that large is free");
}

ErrorOr VirtualRangeAllocator::free(VirtualRange range, u64 guard_size)
{
    auto rounded_guard = checked_align_up(guard_size, page_size);
    if (!rounded_guard.has_value() || !range.base.is_aligned(page_size) || range.size == 0
        || !is_aligned(range.size, page_size))
        return Error::from(ErrorCode::InvalidArgument, "not a range this allocator hands out");
    auto total = checked_add(range.size, *rounded_guard);
    if (!total.has_value() || range.base < m_window.base
        || !range_within(range.base.get() - m_window.base.get(), *total, m_window.size))
        return Error::from(ErrorCode::OutOfRange, "range lies outside the allocator's window");
    VirtualRange whole { range.base, *total };

    // Position among the sorted free ranges; the freed range must not overlap any of them.
    usize index = 0;
    while (index < m_free.size() && m_free[index].base < whole.base)
        ++index;
    if (index > 0 && m_free[index - 1].end() > whole.base)
        return Error::from(ErrorCode::Invalid, "range (or part of it) is already free");
    if (index < m_free.size() && whole.end() > m_free[index].base)
        return Error::from(ErrorCode::Invalid, "range (or part of it) is already free");

    bool merges_before = index > 0 && m_free[index - 1].end() == whole.base;
    bool merges_after = index < m_free.size() && whole.end() == m_free[index].base;
    if (merges_before && merges_after) {
        m_free[index - 1].size += whole.size + m_free[index].size;
        m_free.remove(index);
    } else if (merges_before) {
        m_free[index - 1].size += whole.size;
    } else if (merges_after) {
        m_free[index].base = whole.base;
        m_free[index].size += whole.size;
    } else {
        TRY(m_free.try_append(whole));
        for (usize j = m_free.size() - 1; j > index; --j) {
            VirtualRange swap = m_free[j];
            m_free[j] = m_free[j - 1];
            m_free[j - 1] = swap;
        }
    }
    return {};
}

u64 VirtualRangeAllocator::free_bytes() const
{
    u64 total = 0;
    for (auto& range : m_free)
        total += range.size;
    return total;
}

} // namespace ath::mm
