#pragma once

// A growable array whose storage comes from an engine Allocator. Growth is fallible and leaves the
// vector unchanged on failure. Elements must be trivially copyable (all engine tables are).
#include <kernel/lib/Bits.h>
#include <kernel/wasm/Runtime.h>

namespace ath::wasm {

template<typename T>
class Vector {
    static_assert(IsTriviallyCopyable<T>, "Vector holds plain data only");

public:
    Vector() = default;
    explicit Vector(Allocator& allocator) : m_allocator(&allocator) { }
    Vector(Vector&& other)
        : m_allocator(other.m_allocator)
        , m_data(exchange(other.m_data, nullptr))
        , m_size(exchange(other.m_size, 0))
        , m_capacity(exchange(other.m_capacity, 0))
    {
    }
    Vector& operator=(Vector&& other)
    {
        if (this != &other) {
            release();
            m_allocator = other.m_allocator;
            m_data = exchange(other.m_data, nullptr);
            m_size = exchange(other.m_size, 0);
            m_capacity = exchange(other.m_capacity, 0);
        }
        return *this;
    }
    Vector(const Vector&) = delete;
    Vector& operator=(const Vector&) = delete;
    ~Vector() { release(); }

    void set_allocator(Allocator& allocator) { m_allocator = &allocator; }

    usize size() const { return m_size; }
    usize capacity() const { return m_capacity; }
    bool is_empty() const { return m_size == 0; }
    T* data() { return m_data; }
    const T* data() const { return m_data; }
    T& operator[](usize index)
    {
        VERIFY(index < m_size);
        return m_data[index];
    }
    const T& operator[](usize index) const
    {
        VERIFY(index < m_size);
        return m_data[index];
    }
    T& last() { return (*this)[m_size - 1]; }
    T* begin() { return m_data; }
    T* end() { return m_data + m_size; }
    const T* begin() const { return m_data; }
    const T* end() const { return m_data + m_size; }
    Span<T> span() { return Span<T>(m_data, m_size); }
    Span<const T> span() const { return Span<const T>(m_data, m_size); }

    ErrorOr reserve(usize capacity)
    {
        if (capacity <= m_capacity)
            return {};
        VERIFY(m_allocator);
        auto bytes = checked_mul(capacity, sizeof(T));
        if (!bytes.has_value())
            return Error::from(ErrorCode::OutOfMemory, "vector too large");
        constexpr usize alignment = alignof(T) < 16 ? alignof(T) : 16;
        T* fresh = static_cast<T*>(m_allocator->allocate(bytes.value(), alignment));
        if (!fresh)
            return Error::from(ErrorCode::OutOfMemory, "out of memory");
        if (m_size)
            __builtin_memcpy(fresh, m_data, m_size * sizeof(T));
        if (m_data)
            m_allocator->deallocate(m_data, m_capacity * sizeof(T), alignment);
        m_data = fresh;
        m_capacity = capacity;
        return {};
    }

    ErrorOr append(const T& element)
    {
        if (m_size < m_capacity) [[likely]] {
            m_data[m_size++] = element;
            return {};
        }
        return append_growing(element);
    }
    // append when size() < capacity() is known (cannot fail).
    void append_within_capacity(const T& element)
    {
        VERIFY(m_size < m_capacity);
        m_data[m_size++] = element;
    }

    // Grows to `size` elements, new ones copied from `fill`.
    ErrorOr resize(usize size, const T& fill = T {})
    {
        TRY(reserve(size));
        for (usize i = m_size; i < size; ++i)
            m_data[i] = fill;
        m_size = size;
        return {};
    }

    void shrink(usize size)
    {
        VERIFY(size <= m_size);
        m_size = size;
    }
    T take_last()
    {
        VERIFY(m_size > 0);
        return m_data[--m_size];
    }
    void clear() { m_size = 0; }

private:
    [[gnu::noinline]] ErrorOr append_growing(const T& element)
    {
        T value = element; // `element` may live in this vector's storage, which growing frees
        TRY(reserve(m_capacity < 8 ? 8 : m_capacity * 2));
        m_data[m_size++] = value;
        return {};
    }

    void release()
    {
        if (m_data) {
            constexpr usize alignment = alignof(T) < 16 ? alignof(T) : 16;
            m_allocator->deallocate(m_data, m_capacity * sizeof(T), alignment);
        }
        m_data = nullptr;
        m_size = m_capacity = 0;
    }

    Allocator* m_allocator { nullptr };
    T* m_data { nullptr };
    usize m_size { 0 };
    usize m_capacity { 0 };
};

} // namespace ath::wasm
