#include "ValueText.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace ath::wasm_run {

using wasm::Value;
using wasm::ValueType;

namespace {

std::string hex(u64 value, int digits)
{
    char buffer[32];
    snprintf(buffer, sizeof(buffer), "0x%0*" PRIx64, digits, value);
    return buffer;
}

bool parse_integer(const std::string& text, u64 bit_width, u64& bits)
{
    if (text.empty())
        return false;
    errno = 0;
    char* end = nullptr;
    if (text[0] == '-') {
        long long value = strtoll(text.c_str(), &end, 0);
        if (errno || *end)
            return false;
        if (bit_width == 32 && value < INT32_MIN)
            return false;
        bits = static_cast<u64>(value);
    } else {
        unsigned long long value = strtoull(text.c_str(), &end, 0);
        if (errno || *end)
            return false;
        if (bit_width == 32 && value > UINT32_MAX)
            return false;
        bits = value;
    }
    if (bit_width == 32)
        bits &= 0xffffffffu;
    return true;
}

bool parse_float_bits(const std::string& text, bool is_f32, u64& bits)
{
    if (text.rfind("bits:", 0) == 0)
        return parse_integer(text.substr(5), is_f32 ? 32 : 64, bits);
    char* end = nullptr;
    errno = 0;
    if (is_f32) {
        float value = strtof(text.c_str(), &end);
        if (text.empty() || *end)
            return false;
        u32 raw;
        memcpy(&raw, &value, sizeof(raw));
        bits = raw;
    } else {
        double value = strtod(text.c_str(), &end);
        if (text.empty() || *end)
            return false;
        memcpy(&bits, &value, sizeof(bits));
    }
    return true;
}

} // namespace

std::string value_text(const Value& value, bool normalize_nans)
{
    switch (value.type()) {
    case ValueType::I32: return "i32 " + hex(value.as_i32(), 8);
    case ValueType::I64: return "i64 " + hex(value.as_i64(), 16);
    case ValueType::F32: {
        u32 bits = value.as_f32_bits();
        bool is_nan = (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0;
        return (normalize_nans && is_nan) ? "f32 nan" : "f32 " + hex(bits, 8);
    }
    case ValueType::F64: {
        u64 bits = value.as_f64_bits();
        bool is_nan = (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (bits & 0x000fffffffffffffull) != 0;
        return (normalize_nans && is_nan) ? "f64 nan" : "f64 " + hex(bits, 16);
    }
    case ValueType::V128: {
        wasm::V128 bytes = value.as_v128();
        u64 low = 0, high = 0;
        memcpy(&low, bytes.bytes, 8);
        memcpy(&high, bytes.bytes + 8, 8);
        return "v128 " + hex(low, 16) + ":" + hex(high, 16);
    }
    case ValueType::FuncRef: return value.is_null_ref() ? "funcref null" : "funcref function";
    case ValueType::ExternRef: return value.is_null_ref() ? "externref null" : "externref " + std::to_string(value.as_extern());
    }
    return "?";
}

bool parse_value(const std::string& text, ValueType type, Value& value)
{
    u64 bits = 0;
    switch (type) {
    case ValueType::I32:
        if (!parse_integer(text, 32, bits))
            return false;
        value = Value::from_i32(static_cast<u32>(bits));
        return true;
    case ValueType::I64:
        if (!parse_integer(text, 64, bits))
            return false;
        value = Value::from_i64(bits);
        return true;
    case ValueType::F32:
        if (!parse_float_bits(text, true, bits))
            return false;
        value = Value::from_f32_bits(static_cast<u32>(bits));
        return true;
    case ValueType::F64:
        if (!parse_float_bits(text, false, bits))
            return false;
        value = Value::from_f64_bits(bits);
        return true;
    case ValueType::V128: {
        std::string digits = text.rfind("0x", 0) == 0 ? text.substr(2) : text;
        if (digits.size() != 32)
            return false;
        wasm::V128 bytes;
        for (usize i = 0; i < 16; ++i) {
            char pair[3] = { digits[2 * i], digits[2 * i + 1], 0 };
            char* end = nullptr;
            unsigned long byte = strtoul(pair, &end, 16);
            if (*end)
                return false;
            bytes.bytes[i] = static_cast<u8>(byte);
        }
        value = Value::from_v128(bytes);
        return true;
    }
    case ValueType::FuncRef:
        if (text != "null")
            return false;
        value = Value::null_ref(type);
        return true;
    case ValueType::ExternRef:
        if (text == "null") {
            value = Value::null_ref(type);
            return true;
        }
        if (!parse_integer(text, 64, bits) || bits == ~0ull)
            return false;
        value = Value::from_extern(bits);
        return true;
    }
    return false;
}

} // namespace ath::wasm_run
