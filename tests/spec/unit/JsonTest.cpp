#include <gtest/gtest.h>

#include <tests/spec/core/Json.h>

using namespace ath;
using namespace ath::spec;

TEST(SpecJson, ParsesNestedDocumentLazily)
{
    auto root = parse_json(R"( {"a": [1, "two", {"b": null}], "c": true, "d": -1.5e3} )");
    ASSERT_FALSE(root.is_error());
    ASSERT_TRUE(root.value().is_object());
    auto a = root.value().member("a");
    ASSERT_TRUE(a.has_value());
    JsonArrayIterator elements(*a);
    auto first = elements.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->kind(), JsonKind::Number);
    EXPECT_TRUE(first->raw() == "1");
    auto second = elements.next();
    ASSERT_TRUE(second.has_value());
    EXPECT_TRUE(second->string_equals("two"));
    auto third = elements.next();
    ASSERT_TRUE(third.has_value());
    ASSERT_TRUE(third->member("b").has_value());
    EXPECT_EQ(third->member("b")->kind(), JsonKind::Null);
    EXPECT_FALSE(elements.next().has_value());
    EXPECT_EQ(root.value().member("c")->kind(), JsonKind::Boolean);
    EXPECT_TRUE(root.value().member("d")->raw() == "-1.5e3");
    EXPECT_FALSE(root.value().member("missing").has_value());
}

TEST(SpecJson, RejectsBrokenDocumentsWithOffsets)
{
    const char* broken[] = { "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "\"abc", "[1 2]", "tru", "01", "1.", "-", "\"\\x\"",
        "\"\\u12g4\"", "{} {}", "[\"a\nb\"]", "{1:2}" };
    for (const char* text : broken) {
        auto result = parse_json(text);
        EXPECT_TRUE(result.is_error()) << text;
        if (result.is_error()) {
            EXPECT_EQ(result.error().code, ErrorCode::Malformed) << text;
            EXPECT_TRUE(result.error().has_offset()) << text;
        }
    }
    auto result = parse_json("[1, 2, x]");
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().offset, 7u);
}

TEST(SpecJson, LimitsNestingDepth)
{
    std::string deep(json_max_depth + 2, '[');
    deep += std::string(json_max_depth + 2, ']');
    EXPECT_TRUE(parse_json(StringView(deep.data(), deep.size())).is_error());
    std::string fine(json_max_depth, '[');
    fine += std::string(json_max_depth, ']');
    EXPECT_FALSE(parse_json(StringView(fine.data(), fine.size())).is_error());
}

TEST(SpecJson, DecodesEscapesToUtf8)
{
    // wast2json escapes control bytes as \u00XX and writes other bytes raw.
    auto root = parse_json(R"(["a\u0000b\n\"\\\/", "\u00e9\u20ac\ud83d\ude00", "\ud800", "raw\u00c5 é"])");
    ASSERT_FALSE(root.is_error());
    JsonArrayIterator strings(root.value());
    char buffer[64];
    auto first = strings.next()->decode_string(Span<char>(buffer, sizeof(buffer)));
    ASSERT_FALSE(first.is_error());
    EXPECT_EQ(std::string(first.value().characters(), first.value().length()), std::string("a\0b\n\"\\/", 7));
    auto second = strings.next();
    auto decoded = second->decode_string(Span<char>(buffer, sizeof(buffer)));
    ASSERT_FALSE(decoded.is_error());
    EXPECT_EQ(std::string(decoded.value().characters(), decoded.value().length()), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    EXPECT_TRUE(second->string_equals("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    EXPECT_FALSE(second->string_equals("\xc3\xa9"));
    auto lone = strings.next()->decode_string(Span<char>(buffer, sizeof(buffer)));
    EXPECT_TRUE(lone.is_error());
    auto raw = strings.next();
    EXPECT_TRUE(raw->string_equals("raw\xc3\x85 \xc3\xa9"));
}

TEST(SpecJson, DecodeFailsWhenBufferIsTooSmall)
{
    auto root = parse_json(R"("abcdef")");
    ASSERT_FALSE(root.is_error());
    char small[3];
    auto result = root.value().decode_string(Span<char>(small, sizeof(small)));
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfRange);
}

TEST(SpecJson, ObjectIterationKeepsOrderAndSkipsNestedBrackets)
{
    auto root = parse_json(R"({"x": {"y": "}]"}, "z": [[]], "w": "{"})");
    ASSERT_FALSE(root.is_error());
    JsonObjectIterator members(root.value());
    const char* keys[] = { "x", "z", "w" };
    for (const char* key : keys) {
        auto member = members.next();
        ASSERT_TRUE(member.has_value());
        EXPECT_TRUE(member->key.string_equals(key));
    }
    EXPECT_FALSE(members.next().has_value());
    EXPECT_TRUE(root.value().member("w")->string_equals("{"));
}
