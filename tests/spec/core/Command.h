#pragma once

// The command model of a wast2json script: one Command per entry of its "commands" array, with
// the argument and expected values decoded into bit patterns. Freestanding (kernel/lib only).
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

#include "Json.h"

namespace ath::spec {

enum class CommandType : u8 {
    Module,
    Register,
    Action,
    AssertReturn,
    AssertTrap,
    AssertExhaustion,
    AssertInvalid,
    AssertMalformed,
    AssertUnlinkable,
    AssertUninstantiable,
};
const char* command_type_name(CommandType);

enum class ModuleFormat : u8 { Binary, Text };
enum class ActionType : u8 { Invoke, Get };

enum class SpecType : u8 { I32, I64, F32, F64, V128, FuncRef, ExternRef };
const char* spec_type_name(SpecType);

enum class LaneType : u8 { I8, I16, I32, I64, F32, F64 };
const char* lane_type_name(LaneType);
u32 lane_count(LaneType);
u32 lane_bytes(LaneType);

// What a float (or float lane) must look like.
enum class FloatPattern : u8 {
    Exact,          // these exact bits
    CanonicalNan,   // sign ignored, quiet bit only in the payload
    ArithmeticNan,  // sign ignored, quiet bit set, any other payload
};

// An argument or an expected result.
struct SpecValue {
    SpecType type { SpecType::I32 };
    // False when the script only names the type (assert_trap's "expected" lists do).
    bool has_value { false };
    // Scalars: the value's bits (i32/f32 in the low half). References: the extern host value.
    u64 bits { 0 };
    FloatPattern pattern { FloatPattern::Exact };
    bool is_null { false }; // references
    // V128: the 16 bytes (little-endian lanes) and, per lane, the float pattern.
    LaneType lane_type { LaneType::I8 };
    u8 v128[16] {};
    FloatPattern lane_patterns[16] {};
};

static constexpr usize max_spec_values = 32;
using SpecValues = FixedVector<SpecValue, max_spec_values>;

struct SpecAction {
    ActionType type { ActionType::Invoke };
    StringView module_name; // empty: the current module
    StringView field;
    SpecValues arguments;
};

// One command. Strings are decoded into the command's own storage, so a Command is neither
// copied nor moved; parse_command fills one in place.
struct Command {
    Command() = default;
    Command(const Command&) = delete;
    Command& operator=(const Command&) = delete;

    CommandType type { CommandType::Module };
    u32 line { 0 };
    StringView filename;    // module-carrying commands
    StringView name;        // module: "$name" binding; register: the instance to register
    StringView as_name;     // register: the import module name it becomes
    StringView text;        // assert_*: the expected failure message
    ModuleFormat module_format { ModuleFormat::Binary };
    bool has_action { false };
    SpecAction action;
    SpecValues expected;

    static constexpr usize text_storage_size = 4096;
    char text_storage[text_storage_size];
    usize text_storage_used { 0 };
};

// Fills `command` from one element of the script's "commands" array. Errors name the problem
// (unknown type, bad value...) and leave the command partially filled.
ErrorOr parse_command(JsonValue json, Command& command);

// Parses one value object ({"type": "f32", "value": "nan:canonical"}, v128 with "lane_type"...).
Result<SpecValue> parse_spec_value(JsonValue json);

} // namespace ath::spec
