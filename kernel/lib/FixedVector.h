#pragma once

// A vector with inline storage for at most Capacity elements; never allocates.
#include "Optional.h"
#include "Placement.h"
#include "Result.h"
#include "Span.h"

namespace ath {

template<typename T, usize Capacity>
class FixedVector {
    static_assert(Capacity > 0);

public:
    FixedVector() = default;
    FixedVector(const FixedVector& other)
    {
        for (const T& element : other)
            unchecked_append(element);
    }
    FixedVector& operator=(const FixedVector& other)
    {
        if (this != &other) {
            clear();
            for (const T& element : other)
                unchecked_append(element);
        }
        return *this;
    }
    ~FixedVector() { clear(); }

    static constexpr usize capacity() { return Capacity; }
    usize size() const { return m_size; }
    bool is_empty() const { return m_size == 0; }
    bool is_full() const { return m_size == Capacity; }

    // Fails with OutOfRange when full; the vector is unchanged then.
    ErrorOr try_append(T value)
    {
        if (is_full())
            return Error::from(ErrorCode::OutOfRange, "fixed vector is full");
        unchecked_append(move(value));
        return {};
    }

    T& operator[](usize index)
    {
        VERIFY(index < m_size);
        return slot(index);
    }
    const T& operator[](usize index) const
    {
        VERIFY(index < m_size);
        return slot(index);
    }

    T take_last()
    {
        VERIFY(m_size > 0);
        T value = move(slot(m_size - 1));
        slot(m_size - 1).~T();
        --m_size;
        return value;
    }

    // Removes element `index`, shifting the rest down (order kept).
    void remove(usize index)
    {
        VERIFY(index < m_size);
        for (usize i = index; i + 1 < m_size; ++i)
            slot(i) = move(slot(i + 1));
        slot(m_size - 1).~T();
        --m_size;
    }

    void clear()
    {
        for (usize i = 0; i < m_size; ++i)
            slot(i).~T();
        m_size = 0;
    }

    T* begin() { return &slot(0); }
    T* end() { return &slot(0) + m_size; }
    const T* begin() const { return &slot(0); }
    const T* end() const { return &slot(0) + m_size; }

    Span<T> span() { return Span<T>(begin(), m_size); }
    Span<const T> span() const { return Span<const T>(begin(), m_size); }

private:
    void unchecked_append(T value)
    {
        new (&slot(m_size)) T(move(value));
        ++m_size;
    }
    T& slot(usize index) { return reinterpret_cast<T*>(m_storage)[index]; }
    const T& slot(usize index) const { return reinterpret_cast<const T*>(m_storage)[index]; }

    alignas(T) unsigned char m_storage[sizeof(T) * Capacity];
    usize m_size { 0 };
};

} // namespace ath
