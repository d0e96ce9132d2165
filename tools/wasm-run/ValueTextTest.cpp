#include <gtest/gtest.h>

#include "ValueText.h"

using namespace ath;
using namespace ath::wasm;
using ath::wasm_run::parse_value;
using ath::wasm_run::value_text;

TEST(WasmRunValueText, PrintsBitsAndNormalizesNansOnlyWhenAsked)
{
    EXPECT_EQ(value_text(Value::from_i32(42), false), "i32 0x0000002a");
    EXPECT_EQ(value_text(Value::from_i64(~0ull), false), "i64 0xffffffffffffffff");
    EXPECT_EQ(value_text(Value::from_f32_bits(0x7fc00001), false), "f32 0x7fc00001");
    EXPECT_EQ(value_text(Value::from_f32_bits(0x7fc00001), true), "f32 nan");
    EXPECT_EQ(value_text(Value::from_f32_bits(0x7f800000), true), "f32 0x7f800000"); // infinity is not a NaN
    EXPECT_EQ(value_text(Value::from_f64_bits(0xfff8000000000000), true), "f64 nan");
    EXPECT_EQ(value_text(Value::null_ref(ValueType::ExternRef), true), "externref null");
    V128 bytes {};
    bytes.bytes[0] = 1;
    bytes.bytes[15] = 0xff;
    EXPECT_EQ(value_text(Value::from_v128(bytes), false), "v128 0x0000000000000001:0xff00000000000000");
}

TEST(WasmRunValueText, ParsesArgumentsOfEachType)
{
    Value value;
    ASSERT_TRUE(parse_value("-1", ValueType::I32, value));
    EXPECT_EQ(value.as_i32(), 0xffffffffu);
    ASSERT_TRUE(parse_value("0x80000000", ValueType::I32, value));
    EXPECT_EQ(value.as_i32(), 0x80000000u);
    EXPECT_FALSE(parse_value("4294967296", ValueType::I32, value));
    EXPECT_FALSE(parse_value("12abc", ValueType::I32, value));
    ASSERT_TRUE(parse_value("-9223372036854775808", ValueType::I64, value));
    EXPECT_EQ(value.as_i64(), 0x8000000000000000ull);
    ASSERT_TRUE(parse_value("1.5", ValueType::F32, value));
    EXPECT_EQ(value.as_f32_bits(), 0x3fc00000u);
    ASSERT_TRUE(parse_value("bits:0x7fa00000", ValueType::F32, value));
    EXPECT_EQ(value.as_f32_bits(), 0x7fa00000u);
    ASSERT_TRUE(parse_value("-0", ValueType::F64, value));
    EXPECT_EQ(value.as_f64_bits(), 0x8000000000000000ull);
    ASSERT_TRUE(parse_value("000102030405060708090a0b0c0d0e0f", ValueType::V128, value));
    EXPECT_EQ(value.as_v128().bytes[15], 0x0f);
    EXPECT_FALSE(parse_value("0001", ValueType::V128, value));
    ASSERT_TRUE(parse_value("null", ValueType::FuncRef, value));
    EXPECT_TRUE(value.is_null_ref());
    EXPECT_FALSE(parse_value("3", ValueType::FuncRef, value));
    ASSERT_TRUE(parse_value("3", ValueType::ExternRef, value));
    EXPECT_EQ(value.as_extern(), 3u);
}
