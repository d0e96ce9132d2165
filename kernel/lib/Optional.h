#pragma once

#include "Assert.h"
#include "Placement.h"
#include "Traits.h"

namespace ath {

struct NullOptional { };
inline constexpr NullOptional none {};

template<typename T>
class Optional {
public:
    constexpr Optional() { }
    constexpr Optional(NullOptional) { }
    constexpr Optional(const T& value) : m_value(value), m_has_value(true) { }
    constexpr Optional(T&& value) : m_value(move(value)), m_has_value(true) { }

    // Trivially copyable payloads keep Optional trivially copyable (and usable in constexpr code).
    constexpr Optional(const Optional&) requires IsTriviallyCopyable<T> = default;
    constexpr Optional(Optional&&) requires IsTriviallyCopyable<T> = default;
    constexpr Optional& operator=(const Optional&) requires IsTriviallyCopyable<T> = default;
    constexpr Optional& operator=(Optional&&) requires IsTriviallyCopyable<T> = default;
    constexpr ~Optional() requires IsTriviallyDestructible<T> = default;

    Optional(const Optional& other) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(other.m_value);
    }
    Optional(Optional&& other) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(move(other.m_value));
    }
    Optional& operator=(const Optional& other)
    {
        if (this != &other) {
            clear();
            if (other.m_has_value)
                emplace(other.m_value);
        }
        return *this;
    }
    Optional& operator=(Optional&& other)
    {
        if (this != &other) {
            clear();
            if (other.m_has_value)
                emplace(move(other.m_value));
        }
        return *this;
    }
    ~Optional() { clear(); }

    template<typename... Args>
    T& emplace(Args&&... args)
    {
        clear();
        new (&m_value) T(forward<Args>(args)...);
        m_has_value = true;
        return m_value;
    }

    constexpr void clear()
    {
        if (m_has_value) {
            if constexpr (!IsTriviallyDestructible<T>)
                m_value.~T();
            m_has_value = false;
        }
    }

    constexpr bool has_value() const { return m_has_value; }
    constexpr explicit operator bool() const { return m_has_value; }

    constexpr T& value() &
    {
        VERIFY(m_has_value);
        return m_value;
    }
    constexpr const T& value() const&
    {
        VERIFY(m_has_value);
        return m_value;
    }
    T release_value()
    {
        VERIFY(m_has_value);
        T out = move(m_value);
        clear();
        return out;
    }
    constexpr T value_or(const T& fallback) const { return m_has_value ? m_value : fallback; }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    constexpr T& operator*() { return value(); }
    constexpr const T& operator*() const { return value(); }

    bool operator==(const Optional& other) const
    {
        if (m_has_value != other.m_has_value)
            return false;
        return !m_has_value || m_value == other.m_value;
    }

private:
    union {
        char m_empty {};
        T m_value;
    };
    bool m_has_value { false };
};

} // namespace ath
