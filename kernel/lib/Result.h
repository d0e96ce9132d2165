#pragma once

// Result<T> holds either a T or an Error. TRY(expr) unwraps a Result or returns its error from
// the enclosing function. No exceptions anywhere in the kernel.
#include "Assert.h"
#include "Error.h"
#include "Placement.h"
#include "Traits.h"

namespace ath {

template<typename T>
class [[nodiscard]] Result {
public:
    using ValueType = T;

    Result(const T& value) : m_has_value(true) { new (&m_value) T(value); }
    Result(T&& value) : m_has_value(true) { new (&m_value) T(move(value)); }
    Result(Error error) : m_has_value(false) { new (&m_error) Error(error); }

    template<typename U>
        requires(!IsSame<RemoveCvRefT<U>, T> && !IsSame<RemoveCvRefT<U>, Error> && !IsSame<RemoveCvRefT<U>, Result>
                 && __is_constructible(T, U&&))
    Result(U&& value) : m_has_value(true)
    {
        new (&m_value) T(forward<U>(value));
    }

    Result(Result&& other) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(move(other.m_value));
        else
            new (&m_error) Error(other.m_error);
    }
    Result(const Result& other) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(other.m_value);
        else
            new (&m_error) Error(other.m_error);
    }
    Result& operator=(Result&& other)
    {
        if (this != &other) {
            destroy();
            m_has_value = other.m_has_value;
            if (m_has_value)
                new (&m_value) T(move(other.m_value));
            else
                new (&m_error) Error(other.m_error);
        }
        return *this;
    }
    Result& operator=(const Result& other)
    {
        if (this != &other) {
            destroy();
            m_has_value = other.m_has_value;
            if (m_has_value)
                new (&m_value) T(other.m_value);
            else
                new (&m_error) Error(other.m_error);
        }
        return *this;
    }
    ~Result() { destroy(); }

    bool is_error() const { return !m_has_value; }
    bool has_value() const { return m_has_value; }

    T& value() &
    {
        VERIFY(m_has_value);
        return m_value;
    }
    const T& value() const&
    {
        VERIFY(m_has_value);
        return m_value;
    }
    T release_value()
    {
        VERIFY(m_has_value);
        return move(m_value);
    }
    const Error& error() const
    {
        VERIFY(!m_has_value);
        return m_error;
    }
    Error release_error() const { return error(); }

    T value_or(T fallback) const { return m_has_value ? m_value : fallback; }

private:
    void destroy()
    {
        if (m_has_value)
            m_value.~T();
    }

    union {
        T m_value;
        Error m_error;
    };
    bool m_has_value;
};

template<>
class [[nodiscard]] Result<void> {
public:
    using ValueType = void;

    Result() = default;
    Result(Error error) : m_error(error), m_has_error(true) { }

    bool is_error() const { return m_has_error; }
    bool has_value() const { return !m_has_error; }
    const Error& error() const
    {
        VERIFY(m_has_error);
        return m_error;
    }
    Error release_error() const { return error(); }
    void release_value() const { VERIFY(!m_has_error); }

private:
    Error m_error { ErrorCode::InvalidArgument, "", Error::no_offset };
    bool m_has_error { false };
};

using ErrorOr = Result<void>;

} // namespace ath

// Evaluates to the value of a successful Result; otherwise returns its Error from the caller.
#define TRY(expression)                                  \
    ({                                                   \
        auto&& ath_try_result_ = (expression);           \
        if (ath_try_result_.is_error()) [[unlikely]]     \
            return ath_try_result_.release_error();      \
        ath_try_result_.release_value();                 \
    })
