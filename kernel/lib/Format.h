#pragma once

// Type-safe formatting: format(sink, "x={} y={:#x} name={}", 3, 255u, "abc").
// Placeholders: {} default, {:x} hex, {:#x} hex with 0x, {:08x} zero-padded width, {:b} binary,
// {:5} right-aligned width, {{ and }} literal braces. A placeholder with no argument prints
// "<?>" and an unused argument is ignored: bad format strings never read out of bounds.
#include "StringView.h"
#include "Traits.h"

namespace ath {

class FormatSink {
public:
    virtual void write(StringView text) = 0;

protected:
    ~FormatSink() = default;
};

// Writes into a fixed buffer, always NUL-terminated, truncating what does not fit.
class BufferSink final : public FormatSink {
public:
    explicit BufferSink(Span<char> buffer) : m_buffer(buffer) { VERIFY(!buffer.is_empty()); m_buffer[0] = '\0'; }
    void write(StringView text) override;

    StringView view() const { return StringView(m_buffer.data(), m_length); }
    bool truncated() const { return m_truncated; }

private:
    Span<char> m_buffer;
    usize m_length { 0 };
    bool m_truncated { false };
};

struct FormatArg {
    enum class Kind : u8 { Signed, Unsigned, Character, Boolean, String, Pointer, Float };
    Kind kind;
    union {
        i64 signed_value;
        u64 unsigned_value;
        f64 float_value;
        const void* pointer;
        struct {
            const char* characters;
            usize length;
        } string;
    };
};

template<SignedIntegral T>
constexpr FormatArg make_format_arg(T value)
{
    FormatArg arg { FormatArg::Kind::Signed, {} };
    arg.signed_value = value;
    return arg;
}
template<UnsignedIntegral T>
    requires(!IsSame<T, bool>)
constexpr FormatArg make_format_arg(T value)
{
    FormatArg arg { FormatArg::Kind::Unsigned, {} };
    arg.unsigned_value = value;
    return arg;
}
constexpr FormatArg make_format_arg(char value)
{
    FormatArg arg { FormatArg::Kind::Character, {} };
    arg.unsigned_value = static_cast<u8>(value);
    return arg;
}
constexpr FormatArg make_format_arg(bool value)
{
    FormatArg arg { FormatArg::Kind::Boolean, {} };
    arg.unsigned_value = value ? 1 : 0;
    return arg;
}
constexpr FormatArg make_format_arg(f64 value)
{
    FormatArg arg { FormatArg::Kind::Float, {} };
    arg.float_value = value;
    return arg;
}
constexpr FormatArg make_format_arg(f32 value) { return make_format_arg(static_cast<f64>(value)); }
constexpr FormatArg make_format_arg(StringView value)
{
    FormatArg arg { FormatArg::Kind::String, {} };
    arg.string = { value.characters(), value.length() };
    return arg;
}
constexpr FormatArg make_format_arg(const char* value) { return make_format_arg(StringView(value ? value : "(null)")); }
constexpr FormatArg make_format_arg(char* value) { return make_format_arg(static_cast<const char*>(value)); }
template<typename T>
constexpr FormatArg make_format_arg(T* value)
{
    FormatArg arg { FormatArg::Kind::Pointer, {} };
    arg.pointer = value;
    return arg;
}
template<typename T>
    requires(IsEnum<T>)
constexpr FormatArg make_format_arg(T value)
{
    return make_format_arg(static_cast<UnderlyingType<T>>(value));
}
// Types with a `u64 get() const` (addresses, ids) format as that number.
template<typename T>
    requires requires(const T& t) { { t.get() } -> SameAs<u64>; }
constexpr FormatArg make_format_arg(const T& value)
{
    return make_format_arg(value.get());
}

void vformat(FormatSink& sink, StringView format_string, Span<const FormatArg> args);

template<typename... Args>
void format(FormatSink& sink, StringView format_string, const Args&... args)
{
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, format_string, {});
    } else {
        const FormatArg packed[] = { make_format_arg(args)... };
        vformat(sink, format_string, Span<const FormatArg>(packed, sizeof...(Args)));
    }
}

// Formats into `buffer` (NUL-terminated, truncated when too small) and returns the text.
template<typename... Args>
StringView format_to(Span<char> buffer, StringView format_string, const Args&... args)
{
    BufferSink sink(buffer);
    format(sink, format_string, args...);
    return sink.view();
}

// The environment's console: the kernel's early console or, hosted, standard error.
void console_write(StringView text);

class ConsoleSink final : public FormatSink {
public:
    void write(StringView text) override { console_write(text); }
};

template<typename... Args>
void print(StringView format_string, const Args&... args)
{
    ConsoleSink sink;
    format(sink, format_string, args...);
}

template<typename... Args>
void println(StringView format_string, const Args&... args)
{
    ConsoleSink sink;
    format(sink, format_string, args...);
    sink.write("\n");
}

} // namespace ath
