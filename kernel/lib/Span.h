#pragma once

// A non-owning view of contiguous elements. Every indexed access and every sub-span is bounds
// checked; a caller that wants a fallible check uses `try_slice`.
#include "Assert.h"
#include "Optional.h"
#include "Traits.h"

namespace ath {

template<typename T>
class Span {
public:
    constexpr Span() = default;
    constexpr Span(T* data, usize size) : m_data(data), m_size(size) { }
    template<usize N>
    constexpr Span(T (&array)[N]) : m_data(array), m_size(N) { }
    // Span<const T> from Span<T>.
    template<typename U>
        requires(IsSame<const U, T> && !IsSame<U, T>)
    constexpr Span(Span<U> other) : m_data(other.data()), m_size(other.size()) { }

    constexpr T* data() const { return m_data; }
    constexpr usize size() const { return m_size; }
    constexpr usize size_in_bytes() const { return m_size * sizeof(T); }
    constexpr bool is_empty() const { return m_size == 0; }

    constexpr T& operator[](usize index) const
    {
        VERIFY(index < m_size);
        return m_data[index];
    }
    constexpr T& first() const { return (*this)[0]; }
    constexpr T& last() const { return (*this)[m_size - 1]; }

    constexpr T* begin() const { return m_data; }
    constexpr T* end() const { return m_data + m_size; }

    constexpr Span slice(usize start, usize length) const
    {
        VERIFY(start <= m_size && length <= m_size - start);
        return Span(m_data + start, length);
    }
    constexpr Span slice(usize start) const
    {
        VERIFY(start <= m_size);
        return Span(m_data + start, m_size - start);
    }
    constexpr Optional<Span> try_slice(usize start, usize length) const
    {
        if (start > m_size || length > m_size - start)
            return none;
        return Span(m_data + start, length);
    }

    constexpr Span<const u8> bytes() const
    {
        return Span<const u8>(reinterpret_cast<const u8*>(m_data), size_in_bytes());
    }

    // Copies min(size(), other.size()) elements into `destination`; returns how many.
    usize copy_to(Span<RemoveConstT<T>> destination) const
    {
        usize count = min(m_size, destination.size());
        for (usize i = 0; i < count; ++i)
            destination.data()[i] = m_data[i];
        return count;
    }

    void fill(const T& value) const
    {
        for (usize i = 0; i < m_size; ++i)
            m_data[i] = value;
    }

    bool operator==(Span<const RemoveConstT<T>> other) const
    {
        if (m_size != other.size())
            return false;
        for (usize i = 0; i < m_size; ++i) {
            if (!(m_data[i] == other.data()[i]))
                return false;
        }
        return true;
    }

private:
    T* m_data { nullptr };
    usize m_size { 0 };
};

using Bytes = Span<u8>;
using ReadonlyBytes = Span<const u8>;

} // namespace ath
