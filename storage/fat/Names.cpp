#include "Names.h"

#include "Layout.h"

namespace ath::fat {

namespace {

u16 fold(u16 unit)
{
    if (unit >= 'a' && unit <= 'z')
        return static_cast<u16>(unit - 32);
    if (unit >= 0xE0 && unit <= 0xFE && unit != 0xF7)
        return static_cast<u16>(unit - 32);
    return unit;
}

bool is_short_character(u8 c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '$': case '%': case '\'': case '-': case '_': case '@': case '~': case '`': case '!':
    case '(': case ')': case '{': case '}': case '^': case '#': case '&':
        return true;
    default:
        return false;
    }
}

bool is_lower(u16 unit) { return unit >= 'a' && unit <= 'z'; }
bool is_upper(u16 unit) { return unit >= 'A' && unit <= 'Z'; }

} // namespace

bool LongName::operator==(const LongName& other) const
{
    if (length != other.length)
        return false;
    for (u32 i = 0; i < length; ++i) {
        if (units[i] != other.units[i])
            return false;
    }
    return true;
}

Errno long_name_from_utf8(StringView text, LongName& name)
{
    name.length = 0;
    usize i = 0;
    while (i < text.length()) {
        u8 lead = static_cast<u8>(text[i]);
        u32 code;
        usize extra;
        if (lead < 0x80) {
            code = lead;
            extra = 0;
        } else if ((lead & 0xE0) == 0xC0) {
            code = lead & 0x1F;
            extra = 1;
        } else if ((lead & 0xF0) == 0xE0) {
            code = lead & 0x0F;
            extra = 2;
        } else if ((lead & 0xF8) == 0xF0) {
            code = lead & 0x07;
            extra = 3;
        } else {
            return Errno::IllegalSequence;
        }
        if (i + extra >= text.length() && extra > 0)
            return Errno::IllegalSequence;
        for (usize k = 1; k <= extra; ++k) {
            u8 next = static_cast<u8>(text[i + k]);
            if ((next & 0xC0) != 0x80)
                return Errno::IllegalSequence;
            code = (code << 6) | (next & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr u32 minimum[] = { 0, 0x80, 0x800, 0x10000 };
        if (code < minimum[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return Errno::IllegalSequence;
        i += extra + 1;
        u32 needed = code >= 0x10000 ? 2 : 1;
        if (name.length + needed > max_long_name)
            return Errno::NameTooLong;
        if (code >= 0x10000) {
            code -= 0x10000;
            name.units[name.length++] = static_cast<u16>(0xD800 + (code >> 10));
            name.units[name.length++] = static_cast<u16>(0xDC00 + (code & 0x3FF));
        } else {
            name.units[name.length++] = static_cast<u16>(code);
        }
    }
    return Errno::Success;
}

usize utf8_from_long_name(const LongName& name, Span<char> out)
{
    usize at = 0;
    auto put = [&](u32 byte) {
        if (at < out.size())
            out.data()[at++] = static_cast<char>(byte);
    };
    for (u32 i = 0; i < name.length && i < max_long_name; ++i) {
        u32 code = name.units[i];
        if (code >= 0xD800 && code <= 0xDBFF && i + 1 < name.length && name.units[i + 1] >= 0xDC00 && name.units[i + 1] <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (name.units[i + 1] - 0xDC00);
            ++i;
        } else if (code >= 0xD800 && code <= 0xDFFF) {
            code = 0xFFFD;
        }
        if (code < 0x80) {
            put(code);
        } else if (code < 0x800) {
            put(0xC0 | (code >> 6));
            put(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            put(0xE0 | (code >> 12));
            put(0x80 | ((code >> 6) & 0x3F));
            put(0x80 | (code & 0x3F));
        } else {
            put(0xF0 | (code >> 18));
            put(0x80 | ((code >> 12) & 0x3F));
            put(0x80 | ((code >> 6) & 0x3F));
            put(0x80 | (code & 0x3F));
        }
    }
    return at;
}

Errno check_new_name(const LongName& name)
{
    if (name.length == 0)
        return Errno::NoEntry;
    if ((name.length == 1 && name.units[0] == '.') || (name.length == 2 && name.units[0] == '.' && name.units[1] == '.'))
        return Errno::Invalid;
    for (u32 i = 0; i < name.length; ++i) {
        u16 unit = name.units[i];
        if (unit < 0x20)
            return Errno::Invalid;
        switch (unit) {
        case '"': case '*': case '/': case ':': case '<': case '>': case '?': case '\\': case '|':
            return Errno::Invalid;
        default:
            break;
        }
    }
    u16 last = name.units[name.length - 1];
    if (last == ' ' || last == '.')
        return Errno::Invalid;
    return Errno::Success;
}

bool equal_ignoring_case(const LongName& a, const LongName& b)
{
    if (a.length != b.length)
        return false;
    for (u32 i = 0; i < a.length; ++i) {
        if (fold(a.units[i]) != fold(b.units[i]))
            return false;
    }
    return true;
}

bool short_name_exactly(const LongName& name, ShortName& out)
{
    for (auto& byte : out.bytes)
        byte = ' ';
    out.case_flags = 0;
    u32 dot = name.length;
    for (u32 i = 0; i < name.length; ++i) {
        if (name.units[i] == '.') {
            if (dot != name.length)
                return false; // a second dot
            dot = i;
        }
    }
    u32 base_length = dot;
    u32 extension_length = dot == name.length ? 0 : name.length - dot - 1;
    if (base_length == 0 || base_length > 8 || extension_length > 3 || (dot != name.length && extension_length == 0))
        return false;
    // Each part must be of one case (the case bits cover a whole part).
    auto part = [&](u32 start, u32 length, u32 into, u8 lower_bit) {
        bool lower = false, upper = false;
        for (u32 i = 0; i < length; ++i) {
            u16 unit = name.units[start + i];
            if (unit >= 0x80)
                return false;
            lower |= is_lower(unit);
            upper |= is_upper(unit);
            u8 c = static_cast<u8>(is_lower(unit) ? unit - 32 : unit);
            if (!is_short_character(c))
                return false;
            out.bytes[into + i] = c;
        }
        if (lower && upper)
            return false;
        if (lower)
            out.case_flags |= lower_bit;
        return true;
    };
    if (!part(0, base_length, 0, entry::lower_base))
        return false;
    if (extension_length > 0 && !part(dot + 1, extension_length, 8, entry::lower_extension))
        return false;
    return true;
}

void short_name_basis(const LongName& name, ShortName& out)
{
    for (auto& byte : out.bytes)
        byte = ' ';
    out.case_flags = 0;
    u32 start = 0;
    while (start < name.length && (name.units[start] == '.' || name.units[start] == ' '))
        ++start;
    u32 last_dot = name.length;
    for (u32 i = start; i < name.length; ++i) {
        if (name.units[i] == '.')
            last_dot = i;
    }
    auto convert = [&](u32 from, u32 to, u32 into, u32 capacity) {
        u32 count = 0;
        for (u32 i = from; i < to && count < capacity; ++i) {
            u16 unit = name.units[i];
            if (unit == ' ' || unit == '.')
                continue;
            u8 c = '_';
            if (unit < 0x80) {
                u8 ascii = static_cast<u8>(is_lower(unit) ? unit - 32 : unit);
                if (is_short_character(ascii))
                    c = ascii;
            }
            out.bytes[into + count++] = c;
        }
        return count;
    };
    if (convert(start, last_dot, 0, 8) == 0)
        out.bytes[0] = '_';
    if (last_dot < name.length)
        convert(last_dot + 1, name.length, 8, 3);
}

ShortName with_tail(const ShortName& basis, u32 number)
{
    char digits[8];
    u32 count = 0;
    for (u32 n = number; n > 0 && count < 7; n /= 10)
        digits[count++] = static_cast<char>('0' + n % 10);
    u32 base_length = 0;
    while (base_length < 8 && basis.bytes[base_length] != ' ')
        ++base_length;
    u32 keep = base_length;
    if (keep > 8 - (count + 1))
        keep = 8 - (count + 1);
    ShortName out = basis;
    for (u32 i = keep; i < 8; ++i)
        out.bytes[i] = ' ';
    out.bytes[keep] = '~';
    for (u32 i = 0; i < count; ++i)
        out.bytes[keep + 1 + i] = static_cast<u8>(digits[count - 1 - i]);
    out.case_flags = 0;
    return out;
}

void long_name_from_short(const u8* bytes, u8 case_flags, LongName& out)
{
    out.length = 0;
    auto append = [&](u8 c, bool lower) {
        u16 unit = c;
        if (lower && unit >= 'A' && unit <= 'Z')
            unit = static_cast<u16>(unit + 32);
        out.units[out.length++] = unit;
    };
    u32 base_end = 8;
    while (base_end > 0 && bytes[base_end - 1] == ' ')
        --base_end;
    for (u32 i = 0; i < base_end; ++i)
        append(i == 0 && bytes[0] == entry::kanji_e5 ? 0xE5 : bytes[i], case_flags & entry::lower_base);
    u32 extension_end = 11;
    while (extension_end > 8 && bytes[extension_end - 1] == ' ')
        --extension_end;
    if (extension_end > 8) {
        out.units[out.length++] = '.';
        for (u32 i = 8; i < extension_end; ++i)
            append(bytes[i], case_flags & entry::lower_extension);
    }
}

u8 short_name_checksum(const u8* bytes)
{
    u8 sum = 0;
    for (u32 i = 0; i < 11; ++i)
        sum = static_cast<u8>(((sum & 1) << 7) + (sum >> 1) + bytes[i]);
    return sum;
}

} // namespace ath::fat
