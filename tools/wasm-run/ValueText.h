#pragma once

// The text forms of Wasm values used by wasm-run: parsing command-line arguments and printing
// results. The printed form is what tests/diff/run-v8.js prints for V8, byte for byte.
#include <string>

#include <kernel/wasm/Runtime.h>

namespace ath::wasm_run {

// "i32 0x0000002a", "f32 0x3f800000" ("f32 nan" when `normalize_nans`: V8 does not keep NaN
// payloads across the JS boundary), "v128 0x<low 64 bits>:0x<high 64 bits>", "externref null"...
std::string value_text(const wasm::Value&, bool normalize_nans);

// An argument for a parameter of `type`: integers in decimal or 0x-hex (negative allowed),
// floats as strtod reads them (decimal, hex float, inf, nan) or as raw bits "bits:0x7fc00000",
// v128 as 32 hex digits (byte 0 first), references as "null" (or an extern host number).
bool parse_value(const std::string& text, wasm::ValueType type, wasm::Value& value);

} // namespace ath::wasm_run
