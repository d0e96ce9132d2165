#pragma once

// A non-owning, not necessarily NUL-terminated view of characters.
#include "Optional.h"
#include "Result.h"
#include "Span.h"

namespace ath {

class StringView {
public:
    constexpr StringView() = default;
    constexpr StringView(const char* characters, usize length) : m_characters(characters), m_length(length) { }
    constexpr StringView(const char* c_string) : m_characters(c_string), m_length(c_string ? compute_length(c_string) : 0) { }
    StringView(ReadonlyBytes bytes) : m_characters(reinterpret_cast<const char*>(bytes.data())), m_length(bytes.size()) { }

    constexpr const char* characters() const { return m_characters; }
    constexpr usize length() const { return m_length; }
    constexpr bool is_empty() const { return m_length == 0; }

    constexpr char operator[](usize index) const
    {
        VERIFY(index < m_length);
        return m_characters[index];
    }

    constexpr const char* begin() const { return m_characters; }
    constexpr const char* end() const { return m_characters + m_length; }

    // The characters [start, start + length), checked as Span::slice checks.
    constexpr StringView substring(usize start, usize length) const
    {
        auto piece = Span<const char>(m_characters, m_length).slice(start, length);
        return StringView(piece.data(), piece.size());
    }
    constexpr StringView substring(usize start) const { return substring(start, m_length - start); }

    constexpr bool operator==(StringView other) const
    {
        if (m_length != other.m_length)
            return false;
        for (usize i = 0; i < m_length; ++i) {
            if (m_characters[i] != other.m_characters[i])
                return false;
        }
        return true;
    }

    constexpr bool starts_with(StringView prefix) const
    {
        return prefix.m_length <= m_length && substring(0, prefix.m_length) == prefix;
    }
    constexpr bool ends_with(StringView suffix) const
    {
        return suffix.m_length <= m_length && substring(m_length - suffix.m_length) == suffix;
    }

    constexpr Optional<usize> find(char needle, usize from = 0) const
    {
        for (usize i = from; i < m_length; ++i) {
            if (m_characters[i] == needle)
                return i;
        }
        return none;
    }
    constexpr Optional<usize> find(StringView needle) const
    {
        if (needle.m_length > m_length)
            return none;
        for (usize i = 0; i + needle.m_length <= m_length; ++i) {
            if (substring(i, needle.m_length) == needle)
                return i;
        }
        return none;
    }
    constexpr bool contains(StringView needle) const { return find(needle).has_value(); }

    constexpr StringView trim_whitespace() const
    {
        usize start = 0;
        usize stop = m_length;
        while (start < stop && is_space(m_characters[start]))
            ++start;
        while (stop > start && is_space(m_characters[stop - 1]))
            --stop;
        return substring(start, stop - start);
    }

    // Parses an unsigned decimal (or 0x-prefixed hexadecimal) number; none on any junk or overflow.
    constexpr Optional<u64> to_u64() const
    {
        if (m_length == 0)
            return none;
        u64 base = 10;
        usize i = 0;
        if (m_length > 2 && m_characters[0] == '0' && (m_characters[1] == 'x' || m_characters[1] == 'X')) {
            base = 16;
            i = 2;
        }
        u64 value = 0;
        for (; i < m_length; ++i) {
            char c = m_characters[i];
            u64 digit;
            if (c >= '0' && c <= '9')
                digit = static_cast<u64>(c) - '0';
            else if (base == 16 && c >= 'a' && c <= 'f')
                digit = static_cast<u64>(c) - 'a' + 10;
            else if (base == 16 && c >= 'A' && c <= 'F')
                digit = static_cast<u64>(c) - 'A' + 10;
            else
                return none;
            if (__builtin_mul_overflow(value, base, &value) || __builtin_add_overflow(value, digit, &value))
                return none;
        }
        return value;
    }

    ReadonlyBytes bytes() const { return ReadonlyBytes(reinterpret_cast<const u8*>(m_characters), m_length); }

private:
    static constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    static constexpr usize compute_length(const char* s)
    {
        usize n = 0;
        while (s[n] != '\0')
            ++n;
        return n;
    }

    const char* m_characters { nullptr };
    usize m_length { 0 };
};

// Splits `text` at every `separator`, skipping empty pieces; calls `callback(StringView)` per piece.
template<typename Callback>
constexpr void for_each_split(StringView text, char separator, Callback callback)
{
    usize start = 0;
    for (usize i = 0; i <= text.length(); ++i) {
        if (i == text.length() || text[i] == separator) {
            if (i > start)
                callback(text.substring(start, i - start));
            start = i + 1;
        }
    }
}

// The lines of a line-oriented text (manifests, expectation lists), each without its `#` comment
// and trimmed, blank ones skipped: calls `callback(line, offset)`, offset being where the line
// starts in `text`, and stops at the first error the callback returns.
template<typename Callback>
ErrorOr for_each_content_line(StringView text, Callback callback)
{
    usize start = 0;
    while (start < text.length()) {
        usize end = text.find('\n', start).value_or(text.length());
        StringView line = text.substring(start, end - start);
        usize offset = start;
        start = end + 1;
        if (auto hash = line.find('#'); hash.has_value())
            line = line.substring(0, *hash);
        line = line.trim_whitespace();
        if (!line.is_empty())
            TRY(callback(line, offset));
    }
    return {};
}

} // namespace ath
