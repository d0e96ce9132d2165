#include "Format.h"

namespace ath {

void BufferSink::write(StringView text)
{
    usize room = m_buffer.size() - 1 - m_length;
    usize count = min(room, text.length());
    for (usize i = 0; i < count; ++i)
        m_buffer[m_length + i] = text[i];
    m_length += count;
    m_buffer[m_length] = '\0';
    if (count < text.length())
        m_truncated = true;
}

namespace {

struct Spec {
    char type { 0 }; // 0, 'x', 'X', 'b', 'd'
    bool alternate { false };
    bool zero_pad { false };
    usize width { 0 };
};

// Parses the text between ':' and '}' of a placeholder; unknown characters are ignored.
Spec parse_spec(StringView text)
{
    Spec spec;
    usize i = 0;
    if (i < text.length() && text[i] == '#') {
        spec.alternate = true;
        ++i;
    }
    if (i < text.length() && text[i] == '0') {
        spec.zero_pad = true;
        ++i;
    }
    while (i < text.length() && text[i] >= '0' && text[i] <= '9') {
        spec.width = min<usize>(spec.width * 10 + static_cast<usize>(text[i] - '0'), 64);
        ++i;
    }
    if (i < text.length())
        spec.type = text[i];
    return spec;
}

void write_padded(FormatSink& sink, StringView text, const Spec& spec, StringView prefix = {})
{
    usize length = text.length() + prefix.length();
    char pad = spec.zero_pad ? '0' : ' ';
    if (!spec.zero_pad) {
        for (usize i = length; i < spec.width; ++i)
            sink.write(StringView(&pad, 1));
    }
    sink.write(prefix);
    if (spec.zero_pad) {
        for (usize i = length; i < spec.width; ++i)
            sink.write(StringView(&pad, 1));
    }
    sink.write(text);
}

void write_unsigned(FormatSink& sink, u64 value, const Spec& spec, bool negative)
{
    unsigned base = 10;
    StringView prefix;
    if (spec.type == 'x' || spec.type == 'X' || spec.type == 'p') {
        base = 16;
        if (spec.alternate || spec.type == 'p')
            prefix = "0x";
    } else if (spec.type == 'b') {
        base = 2;
        if (spec.alternate)
            prefix = "0b";
    }
    const char* digits = spec.type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char buffer[66];
    usize position = sizeof(buffer);
    do {
        buffer[--position] = digits[value % base];
        value /= base;
    } while (value != 0);
    if (negative)
        prefix = "-";
    write_padded(sink, StringView(buffer + position, sizeof(buffer) - position), spec, prefix);
}

void write_float(FormatSink& sink, f64 value, const Spec& spec)
{
    if (value != value) {
        write_padded(sink, "nan", spec);
        return;
    }
    bool negative = value < 0;
    if (negative)
        value = -value;
    if (value > 1.8e19) {
        write_padded(sink, negative ? "-inf-or-huge" : "inf-or-huge", spec);
        return;
    }
    // Fixed notation with three decimals, rounded: enough for benchmark tables and logs.
    // value is not negative here, so adding 0.5 and truncating rounds half up (no lround in the kernel).
    u64 scaled = static_cast<u64>(value * 1000.0 + 0.5); // NOLINT(bugprone-incorrect-roundings)
    u64 integer = scaled / 1000;
    u64 fraction = scaled % 1000;
    char buffer[48];
    usize position = sizeof(buffer);
    for (int i = 0; i < 3; ++i) {
        buffer[--position] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    buffer[--position] = '.';
    do {
        buffer[--position] = static_cast<char>('0' + integer % 10);
        integer /= 10;
    } while (integer != 0);
    write_padded(sink, StringView(buffer + position, sizeof(buffer) - position), spec, negative ? "-" : "");
}

void write_arg(FormatSink& sink, const FormatArg& arg, const Spec& spec)
{
    switch (arg.kind) {
    case FormatArg::Kind::Signed: {
        i64 v = arg.signed_value;
        // Negating INT64_MIN overflows; compute its magnitude in unsigned arithmetic.
        u64 magnitude = v < 0 ? (~static_cast<u64>(v) + 1) : static_cast<u64>(v);
        write_unsigned(sink, magnitude, spec, v < 0);
        return;
    }
    case FormatArg::Kind::Unsigned:
        write_unsigned(sink, arg.unsigned_value, spec, false);
        return;
    case FormatArg::Kind::Character: {
        char c = static_cast<char>(arg.unsigned_value);
        write_padded(sink, StringView(&c, 1), spec);
        return;
    }
    case FormatArg::Kind::Boolean:
        write_padded(sink, arg.unsigned_value ? "true" : "false", spec);
        return;
    case FormatArg::Kind::String:
        write_padded(sink, StringView(arg.string.characters, arg.string.length), spec);
        return;
    case FormatArg::Kind::Pointer: {
        Spec pointer_spec = spec;
        pointer_spec.type = 'p';
        write_unsigned(sink, reinterpret_cast<uptr>(arg.pointer), pointer_spec, false);
        return;
    }
    case FormatArg::Kind::Float:
        write_float(sink, arg.float_value, spec);
        return;
    }
}

} // namespace

void vformat(FormatSink& sink, StringView format_string, Span<const FormatArg> args)
{
    usize next_arg = 0;
    usize literal_start = 0;
    usize i = 0;
    auto flush_literal = [&](usize until) {
        if (until > literal_start)
            sink.write(format_string.substring(literal_start, until - literal_start));
    };
    while (i < format_string.length()) {
        char c = format_string[i];
        if ((c == '{' || c == '}') && i + 1 < format_string.length() && format_string[i + 1] == c) {
            flush_literal(i + 1); // keep one brace
            i += 2;
            literal_start = i;
            continue;
        }
        if (c != '{') {
            ++i;
            continue;
        }
        auto close = format_string.find('}', i);
        if (!close.has_value())
            break; // an unterminated placeholder is printed literally
        flush_literal(i);
        StringView inner = format_string.substring(i + 1, *close - i - 1);
        Spec spec;
        if (!inner.is_empty() && inner[0] == ':')
            spec = parse_spec(inner.substring(1));
        if (next_arg < args.size())
            write_arg(sink, args[next_arg++], spec);
        else
            sink.write("<?>");
        i = *close + 1;
        literal_start = i;
    }
    flush_literal(format_string.length());
}

} // namespace ath
