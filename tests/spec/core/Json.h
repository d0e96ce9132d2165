#pragma once

// A small JSON reader for the spec runner: `parse_json` checks a whole document once (syntax and
// nesting depth), then values are views into the text, navigated lazily, without allocating. The
// kernel's in-kernel spectest mode reuses it, so it uses kernel/lib types only.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>

namespace ath::spec {

enum class JsonKind : u8 { Null, Boolean, Number, String, Array, Object };

// One value of a document that parse_json accepted. Navigation relies on that check: it never
// meets a syntax error, and every scan stays inside raw().
class JsonValue {
public:
    JsonValue() = default;

    JsonKind kind() const { return m_kind; }
    bool is_string() const { return m_kind == JsonKind::String; }
    bool is_array() const { return m_kind == JsonKind::Array; }
    bool is_object() const { return m_kind == JsonKind::Object; }
    // The value's text exactly as written (strings keep their quotes and escapes).
    StringView raw() const { return m_raw; }

    // Object member by (decoded) key; none when absent or when this is not an object.
    Optional<JsonValue> member(StringView key) const;

    // Decodes a string value into `buffer` (UTF-8, not NUL-terminated). Fails when this is not a
    // string or the buffer is too small.
    Result<StringView> decode_string(Span<char> buffer) const;
    // Compares the decoded string with `text`, without a buffer.
    bool string_equals(StringView text) const;

    static JsonValue from_checked_text(StringView raw);

private:
    JsonValue(JsonKind kind, StringView raw) : m_kind(kind), m_raw(raw) { }

    JsonKind m_kind { JsonKind::Null };
    StringView m_raw;
};

// Walks the elements of an array in order.
// What both iterators walk: the text between a container's brackets (none when `container` is
// not of the kind wanted), value by value.
class JsonCursor {
protected:
    JsonCursor(JsonValue container, bool of_the_kind);
    // Skips whitespace; the value there and the whitespace after it, or none at `close` or the end.
    Optional<JsonValue> value_before(char close);
    // Steps over `separator` (',' between elements, ':' after a key) when it comes next.
    void skip(char separator);

private:
    StringView m_text;
    usize m_position { 0 };
};

class JsonArrayIterator : private JsonCursor {
public:
    explicit JsonArrayIterator(JsonValue array) : JsonCursor(array, array.is_array()) { }
    Optional<JsonValue> next();
};

struct JsonMember {
    JsonValue key; // a string value
    JsonValue value;
};

// Walks the members of an object in document order.
class JsonObjectIterator : private JsonCursor {
public:
    explicit JsonObjectIterator(JsonValue object) : JsonCursor(object, object.is_object()) { }
    Optional<JsonMember> next();
};

// Checks `text` is exactly one JSON value (RFC 8259, nesting at most `max_depth`) and returns it.
// Errors carry the byte offset of the problem.
static constexpr u32 json_max_depth = 64;
Result<JsonValue> parse_json(StringView text);

} // namespace ath::spec
