#include <gtest/gtest.h>

#include <memory>

#include <tests/spec/core/Command.h>

using namespace ath;
using namespace ath::spec;

namespace {

std::unique_ptr<Command> parse(const char* text, bool expect_ok = true)
{
    auto json = parse_json(text);
    EXPECT_FALSE(json.is_error()) << text;
    auto command = std::make_unique<Command>();
    auto result = parse_command(json.value(), *command);
    EXPECT_EQ(result.is_error(), !expect_ok) << text;
    return command;
}

std::string str(StringView view) { return std::string(view.characters(), view.length()); }

} // namespace

TEST(SpecCommand, ParsesModuleAndRegister)
{
    auto module = parse(R"({"type": "module", "line": 12, "name": "$M1", "filename": "x.3.wasm"})");
    EXPECT_EQ(module->type, CommandType::Module);
    EXPECT_EQ(module->line, 12u);
    EXPECT_EQ(str(module->name), "$M1");
    EXPECT_EQ(str(module->filename), "x.3.wasm");
    auto reg = parse(R"({"type": "register", "line": 13, "name": "$M1", "as": "M"})");
    EXPECT_EQ(reg->type, CommandType::Register);
    EXPECT_EQ(str(reg->as_name), "M");
    parse(R"({"type": "register", "line": 13})", false);
    parse(R"({"type": "module", "line": 1})", false);
}

TEST(SpecCommand, ParsesAssertReturnWithScalarsAndNanPatterns)
{
    auto command = parse(R"({"type": "assert_return", "line": 5, "action": {"type": "invoke", "module": "$m", "field": "f\u0000",
        "args": [{"type": "i32", "value": "4294967295"}, {"type": "f64", "value": "9221120237041090560"}]},
        "expected": [{"type": "f32", "value": "nan:canonical"}, {"type": "f64", "value": "nan:arithmetic"},
                     {"type": "i64", "value": "18446744073709551615"}, {"type": "externref", "value": "null"},
                     {"type": "externref", "value": "7"}, {"type": "funcref", "value": "null"}]})");
    EXPECT_EQ(command->type, CommandType::AssertReturn);
    ASSERT_TRUE(command->has_action);
    EXPECT_EQ(command->action.type, ActionType::Invoke);
    EXPECT_EQ(str(command->action.module_name), "$m");
    EXPECT_EQ(str(command->action.field), std::string("f\0", 2));
    ASSERT_EQ(command->action.arguments.size(), 2u);
    EXPECT_EQ(command->action.arguments[0].bits, 0xffffffffu);
    EXPECT_EQ(command->action.arguments[1].bits, 0x7ff8000000000000u);
    ASSERT_EQ(command->expected.size(), 6u);
    EXPECT_EQ(command->expected[0].pattern, FloatPattern::CanonicalNan);
    EXPECT_EQ(command->expected[1].pattern, FloatPattern::ArithmeticNan);
    EXPECT_EQ(command->expected[2].bits, ~0ull);
    EXPECT_TRUE(command->expected[3].is_null);
    EXPECT_FALSE(command->expected[4].is_null);
    EXPECT_EQ(command->expected[4].bits, 7u);
    EXPECT_EQ(command->expected[5].type, SpecType::FuncRef);
    EXPECT_TRUE(command->expected[5].is_null);
}

TEST(SpecCommand, ParsesV128LanesLittleEndianWithPerLanePatterns)
{
    auto command = parse(R"({"type": "assert_return", "line": 9, "action": {"type": "invoke", "field": "f",
        "args": [{"type": "v128", "lane_type": "i16", "value": ["1", "65535", "0", "0", "0", "0", "0", "258"]}]},
        "expected": [{"type": "v128", "lane_type": "f32", "value": ["nan:canonical", "1065353216", "nan:arithmetic", "0"]}]})");
    const SpecValue& argument = command->action.arguments[0];
    EXPECT_EQ(argument.lane_type, LaneType::I16);
    EXPECT_EQ(argument.v128[0], 1);
    EXPECT_EQ(argument.v128[1], 0);
    EXPECT_EQ(argument.v128[2], 0xff);
    EXPECT_EQ(argument.v128[3], 0xff);
    EXPECT_EQ(argument.v128[14], 2);
    EXPECT_EQ(argument.v128[15], 1);
    const SpecValue& expected = command->expected[0];
    EXPECT_EQ(expected.lane_patterns[0], FloatPattern::CanonicalNan);
    EXPECT_EQ(expected.lane_patterns[1], FloatPattern::Exact);
    EXPECT_EQ(expected.v128[7], 0x3f);
    EXPECT_EQ(expected.lane_patterns[2], FloatPattern::ArithmeticNan);
}

TEST(SpecCommand, TypeOnlyExpectationsHaveNoValue)
{
    auto command = parse(R"({"type": "assert_trap", "line": 3, "action": {"type": "invoke", "field": "f", "args": []},
        "text": "integer divide by zero", "expected": [{"type": "i32"}, {"type": "v128"}]})");
    EXPECT_EQ(str(command->text), "integer divide by zero");
    ASSERT_EQ(command->expected.size(), 2u);
    EXPECT_FALSE(command->expected[0].has_value);
}

TEST(SpecCommand, RejectsHostileValues)
{
    const char* bad[] = {
        R"({"type": "nonsense", "line": 1})",
        R"({"type": "module", "filename": "a.wasm"})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": "4294967296"}]}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": "-1"}]}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "i64", "value": "99999999999999999999"}]}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "v128", "lane_type": "i8", "value": ["1"]}]}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "v128", "lane_type": "i8", "value": ["256","0","0","0","0","0","0","0","0","0","0","0","0","0","0","0"]}]}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "v128", "lane_type": "i3", "value": []}]}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "call", "field": "f"}, "expected": []})",
        R"({"type": "assert_return", "line": 1, "expected": []})",
        R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": "0x10"}]}, "expected": []})",
    };
    for (const char* text : bad)
        parse(text, false);
}

TEST(SpecCommand, RejectsTooManyValuesInsteadOfOverflowing)
{
    std::string text = R"({"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "f", "args": [)";
    for (usize i = 0; i < max_spec_values + 1; ++i)
        text += std::string(i ? "," : "") + R"({"type": "i32", "value": "1"})";
    text += R"(]}, "expected": []})";
    parse(text.c_str(), false);
}
