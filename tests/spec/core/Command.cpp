#include "Command.h"

namespace ath::spec {

namespace {

struct NamedCommandType {
    const char* name;
    CommandType type;
};
constexpr NamedCommandType command_types[] = {
    { "module", CommandType::Module },
    { "register", CommandType::Register },
    { "action", CommandType::Action },
    { "assert_return", CommandType::AssertReturn },
    { "assert_trap", CommandType::AssertTrap },
    { "assert_exhaustion", CommandType::AssertExhaustion },
    { "assert_invalid", CommandType::AssertInvalid },
    { "assert_malformed", CommandType::AssertMalformed },
    { "assert_unlinkable", CommandType::AssertUnlinkable },
    { "assert_uninstantiable", CommandType::AssertUninstantiable },
};

struct NamedSpecType {
    const char* name;
    SpecType type;
};
constexpr NamedSpecType spec_types[] = {
    { "i32", SpecType::I32 },
    { "i64", SpecType::I64 },
    { "f32", SpecType::F32 },
    { "f64", SpecType::F64 },
    { "v128", SpecType::V128 },
    { "funcref", SpecType::FuncRef },
    { "externref", SpecType::ExternRef },
};

struct NamedLaneType {
    const char* name;
    LaneType type;
};
constexpr NamedLaneType lane_types[] = {
    { "i8", LaneType::I8 },
    { "i16", LaneType::I16 },
    { "i32", LaneType::I32 },
    { "i64", LaneType::I64 },
    { "f32", LaneType::F32 },
    { "f64", LaneType::F64 },
};

Result<StringView> store_string(Command& command, JsonValue json)
{
    Span<char> free(command.text_storage + command.text_storage_used,
        Command::text_storage_size - command.text_storage_used);
    StringView decoded = TRY(json.decode_string(free));
    command.text_storage_used += decoded.length();
    return decoded;
}

Result<StringView> optional_string_member(Command& command, JsonValue object, StringView key)
{
    auto member = object.member(key);
    if (!member.has_value())
        return StringView();
    if (!member->is_string())
        return Error::from(ErrorCode::Malformed, "command member should be a string");
    return store_string(command, *member);
}

Result<u64> parse_decimal(JsonValue json, u32 bit_width)
{
    if (!json.is_string())
        return Error::from(ErrorCode::Malformed, "value should be a string of digits");
    char buffer[32];
    StringView digits = TRY(json.decode_string(Span<char>(buffer, sizeof(buffer))));
    auto number = digits.to_u64();
    if (!number.has_value() || digits.starts_with("0x") || digits.starts_with("0X"))
        return Error::from(ErrorCode::Malformed, "value is not an unsigned decimal number");
    if (bit_width < 64 && *number >> bit_width != 0)
        return Error::from(ErrorCode::Malformed, "value does not fit its type");
    return *number;
}

// A float (or float lane): a bit pattern or a NaN pattern.
ErrorOr parse_float(JsonValue json, u32 bit_width, u64& bits, FloatPattern& pattern)
{
    if (json.string_equals("nan:canonical")) {
        pattern = FloatPattern::CanonicalNan;
        return {};
    }
    if (json.string_equals("nan:arithmetic")) {
        pattern = FloatPattern::ArithmeticNan;
        return {};
    }
    pattern = FloatPattern::Exact;
    bits = TRY(parse_decimal(json, bit_width));
    return {};
}

ErrorOr parse_v128(JsonValue json, SpecValue& value)
{
    auto lanes = json.member("value");
    if (!lanes.has_value()) {
        value.has_value = false; // type only
        return {};
    }
    auto lane_type_json = json.member("lane_type");
    if (!lane_type_json.has_value())
        return Error::from(ErrorCode::Malformed, "v128 value without lane_type");
    bool known = false;
    for (auto& entry : lane_types) {
        if (lane_type_json->string_equals(entry.name)) {
            value.lane_type = entry.type;
            known = true;
        }
    }
    if (!known)
        return Error::from(ErrorCode::Malformed, "unknown v128 lane_type");
    if (!lanes->is_array())
        return Error::from(ErrorCode::Malformed, "v128 value should be an array of lanes");
    u32 count = lane_count(value.lane_type);
    u32 width = lane_bytes(value.lane_type);
    bool is_float = value.lane_type == LaneType::F32 || value.lane_type == LaneType::F64;
    JsonArrayIterator lane_values(*lanes);
    u32 index = 0;
    while (auto lane = lane_values.next()) {
        if (index >= count)
            return Error::from(ErrorCode::Malformed, "too many v128 lanes");
        u64 bits = 0;
        if (is_float) {
            TRY(parse_float(*lane, width * 8, bits, value.lane_patterns[index]));
        } else {
            bits = TRY(parse_decimal(*lane, width * 8));
        }
        for (u32 byte = 0; byte < width; ++byte)
            value.v128[index * width + byte] = static_cast<u8>(bits >> (8 * byte));
        ++index;
    }
    if (index != count)
        return Error::from(ErrorCode::Malformed, "too few v128 lanes");
    value.has_value = true;
    return {};
}

ErrorOr parse_values(JsonValue list, SpecValues& values)
{
    if (!list.is_array())
        return Error::from(ErrorCode::Malformed, "value list should be an array");
    JsonArrayIterator elements(list);
    while (auto element = elements.next()) {
        SpecValue value = TRY(parse_spec_value(*element));
        if (values.try_append(value).is_error())
            return Error::from(ErrorCode::Unsupported, "more values than the runner holds (max_spec_values)");
    }
    return {};
}

ErrorOr parse_action(Command& command, JsonValue json)
{
    auto type = json.member("type");
    if (type.has_value() && type->string_equals("invoke"))
        command.action.type = ActionType::Invoke;
    else if (type.has_value() && type->string_equals("get"))
        command.action.type = ActionType::Get;
    else
        return Error::from(ErrorCode::Malformed, "unknown action type");
    command.action.module_name = TRY(optional_string_member(command, json, "module"));
    command.action.field = TRY(optional_string_member(command, json, "field"));
    if (auto arguments = json.member("args"); arguments.has_value())
        TRY(parse_values(*arguments, command.action.arguments));
    command.has_action = true;
    return {};
}

} // namespace

const char* command_type_name(CommandType type)
{
    for (auto& entry : command_types) {
        if (entry.type == type)
            return entry.name;
    }
    return "?";
}

const char* spec_type_name(SpecType type)
{
    for (auto& entry : spec_types) {
        if (entry.type == type)
            return entry.name;
    }
    return "?";
}

const char* lane_type_name(LaneType type)
{
    for (auto& entry : lane_types) {
        if (entry.type == type)
            return entry.name;
    }
    return "?";
}

u32 lane_bytes(LaneType type)
{
    switch (type) {
    case LaneType::I8: return 1;
    case LaneType::I16: return 2;
    case LaneType::I32:
    case LaneType::F32: return 4;
    case LaneType::I64:
    case LaneType::F64: return 8;
    }
    return 1;
}

u32 lane_count(LaneType type) { return 16 / lane_bytes(type); }

Result<SpecValue> parse_spec_value(JsonValue json)
{
    if (!json.is_object())
        return Error::from(ErrorCode::Malformed, "value should be an object");
    auto type = json.member("type");
    if (!type.has_value())
        return Error::from(ErrorCode::Malformed, "value without a type");
    SpecValue value;
    bool known = false;
    for (auto& entry : spec_types) {
        if (type->string_equals(entry.name)) {
            value.type = entry.type;
            known = true;
        }
    }
    if (!known)
        return Error::from(ErrorCode::Malformed, "unknown value type");
    if (value.type == SpecType::V128) {
        TRY(parse_v128(json, value));
        return value;
    }
    auto payload = json.member("value");
    if (!payload.has_value())
        return value; // type only
    value.has_value = true;
    switch (value.type) {
    case SpecType::I32: value.bits = TRY(parse_decimal(*payload, 32)); break;
    case SpecType::I64: value.bits = TRY(parse_decimal(*payload, 64)); break;
    case SpecType::F32: TRY(parse_float(*payload, 32, value.bits, value.pattern)); break;
    case SpecType::F64: TRY(parse_float(*payload, 64, value.bits, value.pattern)); break;
    case SpecType::FuncRef:
    case SpecType::ExternRef:
        if (payload->string_equals("null"))
            value.is_null = true;
        else
            value.bits = TRY(parse_decimal(*payload, 64));
        break;
    case SpecType::V128: break;
    }
    return value;
}

ErrorOr parse_command(JsonValue json, Command& command)
{
    if (!json.is_object())
        return Error::from(ErrorCode::Malformed, "command should be an object");
    auto line = json.member("line");
    if (!line.has_value() || line->kind() != JsonKind::Number)
        return Error::from(ErrorCode::Malformed, "command without a line number");
    auto line_number = line->raw().to_u64();
    if (!line_number.has_value() || *line_number > 0xffffffffu)
        return Error::from(ErrorCode::Malformed, "bad command line number");
    command.line = static_cast<u32>(*line_number);

    auto type = json.member("type");
    if (!type.has_value())
        return Error::from(ErrorCode::Malformed, "command without a type");
    bool known = false;
    for (auto& entry : command_types) {
        if (type->string_equals(entry.name)) {
            command.type = entry.type;
            known = true;
        }
    }
    if (!known)
        return Error::from(ErrorCode::Malformed, "unknown command type");

    command.filename = TRY(optional_string_member(command, json, "filename"));
    command.name = TRY(optional_string_member(command, json, "name"));
    command.as_name = TRY(optional_string_member(command, json, "as"));
    command.text = TRY(optional_string_member(command, json, "text"));
    if (auto module_type = json.member("module_type"); module_type.has_value()) {
        if (module_type->string_equals("binary"))
            command.module_format = ModuleFormat::Binary;
        else if (module_type->string_equals("text"))
            command.module_format = ModuleFormat::Text;
        else
            return Error::from(ErrorCode::Malformed, "unknown module_type");
    }
    if (auto action = json.member("action"); action.has_value())
        TRY(parse_action(command, *action));
    if (auto expected = json.member("expected"); expected.has_value())
        TRY(parse_values(*expected, command.expected));

    bool needs_file = command.type == CommandType::Module || command.type == CommandType::AssertInvalid
        || command.type == CommandType::AssertMalformed || command.type == CommandType::AssertUnlinkable
        || command.type == CommandType::AssertUninstantiable;
    if (needs_file && command.filename.is_empty())
        return Error::from(ErrorCode::Malformed, "module command without a filename");
    bool needs_action = command.type == CommandType::Action || command.type == CommandType::AssertReturn
        || command.type == CommandType::AssertTrap || command.type == CommandType::AssertExhaustion;
    if (needs_action && !command.has_action)
        return Error::from(ErrorCode::Malformed, "command without an action");
    if (command.type == CommandType::Register && command.as_name.is_empty())
        return Error::from(ErrorCode::Malformed, "register without \"as\"");
    return {};
}

} // namespace ath::spec
