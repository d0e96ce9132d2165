#pragma once

// A bitmap over caller-provided words (BitmapView) or inline storage (FixedBitmap<N>).
#include "Bits.h"
#include "Optional.h"
#include "Span.h"

namespace ath {

class BitmapView {
public:
    BitmapView() = default;
    BitmapView(Span<u64> words, usize bit_count) : m_words(words), m_bit_count(bit_count)
    {
        VERIFY(bit_count <= words.size() * 64);
    }

    usize size() const { return m_bit_count; }

    bool get(usize index) const
    {
        VERIFY(index < m_bit_count);
        return (m_words[index / 64] >> (index % 64)) & 1;
    }
    void set(usize index, bool value)
    {
        VERIFY(index < m_bit_count);
        u64 mask = u64(1) << (index % 64);
        if (value)
            m_words[index / 64] |= mask;
        else
            m_words[index / 64] &= ~mask;
    }
    void set_range(usize start, usize count, bool value)
    {
        VERIFY(range_within(start, count, m_bit_count));
        for (usize i = start; i < start + count; ++i)
            set(i, value);
    }
    void fill(bool value)
    {
        for (usize i = 0; i < m_bit_count; ++i)
            set(i, value);
    }

    usize count_set() const
    {
        usize total = 0;
        for (usize i = 0; i < m_bit_count; ++i)
            total += get(i) ? 1 : 0;
        return total;
    }

    // First index >= `from` whose bit equals `value`, skipping whole words where possible.
    Optional<usize> find_first(bool value, usize from = 0) const
    {
        usize index = from;
        while (index < m_bit_count) {
            u64 word = m_words[index / 64];
            if (!value)
                word = ~word;
            word &= ~u64(0) << (index % 64);
            if (word != 0) {
                usize found = (index & ~usize(63)) + count_trailing_zeros(word);
                if (found < m_bit_count)
                    return found;
                return none;
            }
            index = (index & ~usize(63)) + 64;
        }
        return none;
    }

    // First run of `count` consecutive bits equal to `value`.
    Optional<usize> find_run(bool value, usize count, usize from = 0) const
    {
        if (count == 0)
            return none;
        usize start = from;
        while (true) {
            auto first = find_first(value, start);
            if (!first.has_value())
                return none;
            usize run_start = *first;
            if (!range_within(run_start, count, m_bit_count))
                return none;
            usize length = 0;
            while (length < count && get(run_start + length) == value)
                ++length;
            if (length == count)
                return run_start;
            start = run_start + length;
        }
    }

private:
    Span<u64> m_words;
    usize m_bit_count { 0 };
};

template<usize BitCount>
class FixedBitmap {
public:
    FixedBitmap() { view().fill(false); }
    BitmapView view() { return BitmapView(Span<u64>(m_words, word_count), BitCount); }
    const BitmapView view() const { return BitmapView(Span<u64>(const_cast<u64*>(m_words), word_count), BitCount); }

    bool get(usize index) const { return view().get(index); }
    void set(usize index, bool value) { view().set(index, value); }

private:
    static constexpr usize word_count = (BitCount + 63) / 64;
    u64 m_words[word_count];
};

} // namespace ath
