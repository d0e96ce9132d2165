#include "Json.h"

namespace ath::spec {

namespace {

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

usize skip_whitespace(StringView text, usize position)
{
    while (position < text.length() && is_whitespace(text[position]))
        ++position;
    return position;
}

Optional<u32> hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return static_cast<u32>(c - '0');
    if (c >= 'a' && c <= 'f')
        return static_cast<u32>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return static_cast<u32>(c - 'A' + 10);
    return none;
}

Optional<u32> read_hex4(StringView text, usize position)
{
    if (position + 4 > text.length())
        return none;
    u32 value = 0;
    for (usize i = 0; i < 4; ++i) {
        auto digit = hex_digit(text[position + i]);
        if (!digit.has_value())
            return none;
        value = value * 16 + *digit;
    }
    return value;
}

JsonKind kind_of(char first)
{
    switch (first) {
    case '"': return JsonKind::String;
    case '[': return JsonKind::Array;
    case '{': return JsonKind::Object;
    case 't':
    case 'f': return JsonKind::Boolean;
    case 'n': return JsonKind::Null;
    default: return JsonKind::Number;
    }
}

// ---- Checking (untrusted text) ------------------------------------------------------------

Result<usize> check_value(StringView text, usize position, u32 depth);

Result<usize> check_string(StringView text, usize position)
{
    // text[position] == '"'
    ++position;
    while (position < text.length()) {
        char c = text[position];
        if (c == '"')
            return position + 1;
        if (static_cast<u8>(c) < 0x20)
            return Error::at(ErrorCode::Malformed, position, "control character in JSON string");
        if (c != '\\') {
            ++position;
            continue;
        }
        if (position + 1 >= text.length())
            break;
        char escape = text[position + 1];
        switch (escape) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            position += 2;
            break;
        case 'u':
            if (!read_hex4(text, position + 2).has_value())
                return Error::at(ErrorCode::Malformed, position, "bad \\u escape in JSON string");
            position += 6;
            break;
        default:
            return Error::at(ErrorCode::Malformed, position, "unknown escape in JSON string");
        }
    }
    return Error::at(ErrorCode::Malformed, text.length(), "unterminated JSON string");
}

Result<usize> check_number(StringView text, usize position)
{
    usize start = position;
    if (position < text.length() && text[position] == '-')
        ++position;
    if (position >= text.length() || !is_digit(text[position]))
        return Error::at(ErrorCode::Malformed, start, "bad JSON number");
    if (text[position] == '0') {
        ++position;
    } else {
        while (position < text.length() && is_digit(text[position]))
            ++position;
    }
    if (position < text.length() && text[position] == '.') {
        ++position;
        if (position >= text.length() || !is_digit(text[position]))
            return Error::at(ErrorCode::Malformed, position, "bad JSON fraction");
        while (position < text.length() && is_digit(text[position]))
            ++position;
    }
    if (position < text.length() && (text[position] == 'e' || text[position] == 'E')) {
        ++position;
        if (position < text.length() && (text[position] == '+' || text[position] == '-'))
            ++position;
        if (position >= text.length() || !is_digit(text[position]))
            return Error::at(ErrorCode::Malformed, position, "bad JSON exponent");
        while (position < text.length() && is_digit(text[position]))
            ++position;
    }
    return position;
}

Result<usize> check_literal(StringView text, usize position, StringView literal)
{
    if (position + literal.length() > text.length() || text.substring(position, literal.length()) != literal)
        return Error::at(ErrorCode::Malformed, position, "unknown JSON literal");
    return position + literal.length();
}

// The elements of an array or object, from its opening bracket at `position` through `close`,
// comma-separated: `element(at)` checks one (a value, or an object's "key": value) and returns
// where it ends. The messages name what was missing.
template<typename Element>
Result<usize> check_elements(StringView text, usize position, char close, const char* unterminated, const char* expected,
                             Element element)
{
    position = skip_whitespace(text, position + 1);
    if (position < text.length() && text[position] == close)
        return position + 1;
    while (true) {
        position = skip_whitespace(text, TRY(element(position)));
        if (position >= text.length())
            return Error::at(ErrorCode::Malformed, position, unterminated);
        if (text[position] == close)
            return position + 1;
        if (text[position] != ',')
            return Error::at(ErrorCode::Malformed, position, expected);
        ++position;
    }
}

Result<usize> check_array(StringView text, usize position, u32 depth)
{
    return check_elements(text, position, ']', "unterminated JSON array", "expected ',' or ']' in JSON array",
                          [&](usize at) { return check_value(text, at, depth + 1); });
}

Result<usize> check_object(StringView text, usize position, u32 depth)
{
    return check_elements(text, position, '}', "unterminated JSON object", "expected ',' or '}' in JSON object",
                          [&](usize at) -> Result<usize> {
                              at = skip_whitespace(text, at);
                              if (at >= text.length() || text[at] != '"')
                                  return Error::at(ErrorCode::Malformed, at, "expected a string key in JSON object");
                              at = skip_whitespace(text, TRY(check_string(text, at)));
                              if (at >= text.length() || text[at] != ':')
                                  return Error::at(ErrorCode::Malformed, at, "expected ':' in JSON object");
                              return check_value(text, at + 1, depth + 1);
                          });
}

Result<usize> check_value(StringView text, usize position, u32 depth)
{
    if (depth > json_max_depth)
        return Error::at(ErrorCode::Malformed, position, "JSON nested too deeply");
    position = skip_whitespace(text, position);
    if (position >= text.length())
        return Error::at(ErrorCode::Malformed, position, "expected a JSON value");
    switch (text[position]) {
    case '"': return check_string(text, position);
    case '[': return check_array(text, position, depth);
    case '{': return check_object(text, position, depth);
    case 't': return check_literal(text, position, "true");
    case 'f': return check_literal(text, position, "false");
    case 'n': return check_literal(text, position, "null");
    default: return check_number(text, position);
    }
}

// ---- Scanning (text already checked) ------------------------------------------------------

usize end_of_string(StringView text, usize position)
{
    ++position;
    while (position < text.length()) {
        char c = text[position];
        if (c == '"')
            return position + 1;
        position += (c == '\\') ? 2 : 1;
    }
    return text.length();
}

usize end_of_value(StringView text, usize position)
{
    if (position >= text.length())
        return position;
    char first = text[position];
    if (first == '"')
        return end_of_string(text, position);
    if (first == '[' || first == '{') {
        usize depth = 0;
        while (position < text.length()) {
            char c = text[position];
            if (c == '"') {
                position = end_of_string(text, position);
                continue;
            }
            if (c == '[' || c == '{')
                ++depth;
            else if ((c == ']' || c == '}') && --depth == 0)
                return position + 1;
            ++position;
        }
        return text.length();
    }
    while (position < text.length()) {
        char c = text[position];
        if (c == ',' || c == ']' || c == '}' || is_whitespace(c))
            break;
        ++position;
    }
    return position;
}

JsonValue value_at(StringView text, usize position, usize& end)
{
    end = end_of_value(text, position);
    return JsonValue::from_checked_text(text.substring(position, end - position));
}

void append_utf8(u32 code_point, Span<char> buffer, usize& length, bool& overflow)
{
    char encoded[4];
    usize count;
    if (code_point < 0x80) {
        encoded[0] = static_cast<char>(code_point);
        count = 1;
    } else if (code_point < 0x800) {
        encoded[0] = static_cast<char>(0xC0 | (code_point >> 6));
        encoded[1] = static_cast<char>(0x80 | (code_point & 0x3F));
        count = 2;
    } else if (code_point < 0x10000) {
        encoded[0] = static_cast<char>(0xE0 | (code_point >> 12));
        encoded[1] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        encoded[2] = static_cast<char>(0x80 | (code_point & 0x3F));
        count = 3;
    } else {
        encoded[0] = static_cast<char>(0xF0 | (code_point >> 18));
        encoded[1] = static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        encoded[2] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        encoded[3] = static_cast<char>(0x80 | (code_point & 0x3F));
        count = 4;
    }
    for (usize i = 0; i < count; ++i) {
        if (length >= buffer.size()) {
            overflow = true;
            return;
        }
        buffer[length++] = encoded[i];
    }
}

// Decodes the string value `raw` (quotes included). `sink` receives bytes; returns false on a
// lone surrogate.
template<typename Sink>
bool decode_into(StringView raw, Sink sink)
{
    usize position = 1;
    usize stop = raw.length() - 1; // the closing quote
    while (position < stop) {
        char c = raw[position];
        if (c != '\\') {
            sink.byte(c);
            ++position;
            continue;
        }
        char escape = raw[position + 1];
        position += 2;
        switch (escape) {
        case 'b': sink.byte('\b'); break;
        case 'f': sink.byte('\f'); break;
        case 'n': sink.byte('\n'); break;
        case 'r': sink.byte('\r'); break;
        case 't': sink.byte('\t'); break;
        case 'u': {
            u32 code_point = read_hex4(raw, position).value_or(0);
            position += 4;
            if (code_point >= 0xD800 && code_point < 0xDC00) {
                if (position + 6 > stop || raw[position] != '\\' || raw[position + 1] != 'u')
                    return false;
                u32 low = read_hex4(raw, position + 2).value_or(0);
                if (low < 0xDC00 || low >= 0xE000)
                    return false;
                position += 6;
                code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
            } else if (code_point >= 0xDC00 && code_point < 0xE000) {
                return false;
            }
            sink.code_point(code_point);
            break;
        }
        default: sink.byte(escape); break; // '"', '\\', '/'
        }
    }
    return true;
}


} // namespace

JsonValue JsonValue::from_checked_text(StringView raw)
{
    return JsonValue(raw.is_empty() ? JsonKind::Null : kind_of(raw[0]), raw);
}

Optional<JsonValue> JsonValue::member(StringView key) const
{
    if (!is_object())
        return none;
    JsonObjectIterator members(*this);
    while (auto entry = members.next()) {
        if (entry->key.string_equals(key))
            return entry->value;
    }
    return none;
}

Result<StringView> JsonValue::decode_string(Span<char> buffer) const
{
    if (!is_string())
        return Error::from(ErrorCode::InvalidArgument, "JSON value is not a string");
    usize length = 0;
    bool overflow = false;
    // Raw bytes are copied as they are (they are UTF-8 already); escapes become UTF-8.
    struct Copier {
        Span<char> buffer;
        usize* length;
        bool* overflow;
        void byte(char c) const
        {
            if (*length >= buffer.size()) {
                *overflow = true;
                return;
            }
            buffer[(*length)++] = c;
        }
        void code_point(u32 value) const { append_utf8(value, buffer, *length, *overflow); }
    };
    if (!decode_into(m_raw, Copier { buffer, &length, &overflow }))
        return Error::from(ErrorCode::Malformed, "lone surrogate in JSON string");
    if (overflow)
        return Error::from(ErrorCode::OutOfRange, "JSON string longer than its buffer");
    return StringView(buffer.data(), length);
}

bool JsonValue::string_equals(StringView text) const
{
    if (!is_string())
        return false;
    struct Comparer {
        StringView expected;
        usize* position;
        bool* equal;
        void byte(char c) const
        {
            if (*position >= expected.length() || expected[*position] != c)
                *equal = false;
            ++*position;
        }
        void code_point(u32 value) const
        {
            char encoded[4];
            usize length = 0;
            bool overflow = false;
            append_utf8(value, Span<char>(encoded, 4), length, overflow);
            for (usize i = 0; i < length; ++i)
                byte(encoded[i]);
        }
    };
    usize position = 0;
    bool equal = true;
    if (!decode_into(m_raw, Comparer { text, &position, &equal }))
        return false;
    return equal && position == text.length();
}

JsonCursor::JsonCursor(JsonValue container, bool of_the_kind)
{
    if (of_the_kind) {
        m_text = container.raw();
        m_position = 1;
    }
}

Optional<JsonValue> JsonCursor::value_before(char close)
{
    m_position = skip_whitespace(m_text, m_position);
    if (m_position >= m_text.length() || m_text[m_position] == close)
        return none;
    usize end;
    JsonValue value = value_at(m_text, m_position, end);
    m_position = skip_whitespace(m_text, end);
    return value;
}

void JsonCursor::skip(char separator)
{
    if (m_position < m_text.length() && m_text[m_position] == separator)
        ++m_position;
}

Optional<JsonValue> JsonArrayIterator::next()
{
    auto value = value_before(']');
    skip(',');
    return value;
}

Optional<JsonMember> JsonObjectIterator::next()
{
    auto key = value_before('}');
    if (!key.has_value())
        return none;
    skip(':');
    auto value = value_before('}');
    if (!value.has_value())
        return none;
    skip(',');
    return JsonMember { *key, *value };
}

Result<JsonValue> parse_json(StringView text)
{
    usize start = skip_whitespace(text, 0);
    usize end = TRY(check_value(text, start, 0));
    if (skip_whitespace(text, end) != text.length())
        return Error::at(ErrorCode::Malformed, end, "trailing characters after the JSON value");
    return JsonValue::from_checked_text(text.substring(start, end - start));
}

} // namespace ath::spec
