#include "ScriptRunner.h"

#include <kernel/lib/Format.h>
#include <kernel/wasm/Linker.h>

namespace ath::spec {

using wasm::Extern;
using wasm::Value;
using wasm::ValueType;

namespace {

ValueType engine_type(SpecType type)
{
    switch (type) {
    case SpecType::I32: return ValueType::I32;
    case SpecType::I64: return ValueType::I64;
    case SpecType::F32: return ValueType::F32;
    case SpecType::F64: return ValueType::F64;
    case SpecType::V128: return ValueType::V128;
    case SpecType::FuncRef: return ValueType::FuncRef;
    case SpecType::ExternRef: return ValueType::ExternRef;
    }
    return ValueType::I32;
}

Result<Value> to_engine_value(const SpecValue& value)
{
    if (!value.has_value)
        return Error::from(ErrorCode::Malformed, "argument without a value");
    switch (value.type) {
    case SpecType::I32: return Value::from_i32(static_cast<u32>(value.bits));
    case SpecType::I64: return Value::from_i64(value.bits);
    case SpecType::F32:
    case SpecType::F64:
        if (value.pattern != FloatPattern::Exact)
            return Error::from(ErrorCode::Malformed, "a NaN pattern cannot be an argument");
        return value.type == SpecType::F32 ? Value::from_f32_bits(static_cast<u32>(value.bits)) : Value::from_f64_bits(value.bits);
    case SpecType::V128: {
        wasm::V128 bytes;
        for (usize i = 0; i < 16; ++i)
            bytes.bytes[i] = value.v128[i];
        return Value::from_v128(bytes);
    }
    case SpecType::FuncRef:
        if (!value.is_null)
            return Error::from(ErrorCode::Unsupported, "a non-null funcref argument has no meaning in a script");
        return Value::null_ref(ValueType::FuncRef);
    case SpecType::ExternRef:
        return value.is_null ? Value::null_ref(ValueType::ExternRef) : Value::from_extern(value.bits);
    }
    return Error::from(ErrorCode::Malformed, "unknown value type");
}

bool float_matches(u64 bits, u32 width, FloatPattern pattern, u64 expected_bits)
{
    u64 sign = width == 32 ? 0x80000000ull : 0x8000000000000000ull;
    u64 canonical = width == 32 ? 0x7fc00000ull : 0x7ff8000000000000ull;
    switch (pattern) {
    case FloatPattern::Exact: return bits == expected_bits;
    case FloatPattern::CanonicalNan: return (bits & ~sign) == canonical;
    case FloatPattern::ArithmeticNan: return (bits & canonical) == canonical;
    }
    return false;
}

u64 read_lane(const u8* bytes, u32 width)
{
    u64 value = 0;
    for (u32 i = 0; i < width; ++i)
        value |= static_cast<u64>(bytes[i]) << (8 * i);
    return value;
}

const char* error_text(const Error& error) { return error.reason ? error.reason : "(no reason)"; }

} // namespace

bool messages_agree(StringView actual, StringView expected)
{
    return actual.starts_with(expected) || (!actual.is_empty() && expected.starts_with(actual));
}

bool value_matches(const Value& actual, const SpecValue& expected)
{
    if (actual.type() != engine_type(expected.type))
        return false;
    if (!expected.has_value)
        return true;
    switch (expected.type) {
    case SpecType::I32: return actual.as_i32() == static_cast<u32>(expected.bits);
    case SpecType::I64: return actual.as_i64() == expected.bits;
    case SpecType::F32: return float_matches(actual.as_f32_bits(), 32, expected.pattern, expected.bits);
    case SpecType::F64: return float_matches(actual.as_f64_bits(), 64, expected.pattern, expected.bits);
    case SpecType::V128: {
        wasm::V128 bytes = actual.as_v128();
        u32 width = lane_bytes(expected.lane_type);
        bool is_float = expected.lane_type == LaneType::F32 || expected.lane_type == LaneType::F64;
        for (u32 lane = 0; lane < lane_count(expected.lane_type); ++lane) {
            u64 actual_lane = read_lane(bytes.bytes + lane * width, width);
            u64 expected_lane = read_lane(expected.v128 + lane * width, width);
            if (is_float) {
                if (!float_matches(actual_lane, width * 8, expected.lane_patterns[lane], expected_lane))
                    return false;
            } else if (actual_lane != expected_lane) {
                return false;
            }
        }
        return true;
    }
    case SpecType::FuncRef:
        // Scripts can only name a null funcref or "some function".
        return expected.is_null ? actual.is_null_ref() : !actual.is_null_ref();
    case SpecType::ExternRef:
        if (expected.is_null || actual.is_null_ref())
            return expected.is_null == actual.is_null_ref();
        return actual.as_extern() == expected.bits;
    }
    return false;
}

StringView describe_value(const Value& value, Span<char> buffer)
{
    switch (value.type()) {
    case ValueType::I32: return format_to(buffer, "i32:{:#x}", value.as_i32());
    case ValueType::I64: return format_to(buffer, "i64:{:#x}", value.as_i64());
    case ValueType::F32: return format_to(buffer, "f32:{:#x}", value.as_f32_bits());
    case ValueType::F64: return format_to(buffer, "f64:{:#x}", value.as_f64_bits());
    case ValueType::V128: {
        wasm::V128 bytes = value.as_v128();
        return format_to(buffer, "v128:{:#x}:{:#x}", read_lane(bytes.bytes, 8), read_lane(bytes.bytes + 8, 8));
    }
    case ValueType::FuncRef: return value.is_null_ref() ? format_to(buffer, "funcref:null") : format_to(buffer, "funcref:function");
    case ValueType::ExternRef:
        return value.is_null_ref() ? format_to(buffer, "externref:null") : format_to(buffer, "externref:{}", value.as_extern());
    }
    return format_to(buffer, "?");
}

StringView describe_spec_value(const SpecValue& value, Span<char> buffer)
{
    if (!value.has_value)
        return format_to(buffer, "{}:any", spec_type_name(value.type));
    auto pattern_name = [](FloatPattern pattern) { return pattern == FloatPattern::CanonicalNan ? "nan:canonical" : "nan:arithmetic"; };
    switch (value.type) {
    case SpecType::F32:
    case SpecType::F64:
        if (value.pattern != FloatPattern::Exact)
            return format_to(buffer, "{}:{}", spec_type_name(value.type), pattern_name(value.pattern));
        [[fallthrough]];
    case SpecType::I32:
    case SpecType::I64: return format_to(buffer, "{}:{:#x}", spec_type_name(value.type), value.bits);
    case SpecType::V128: {
        bool has_pattern = false;
        for (auto pattern : value.lane_patterns)
            has_pattern |= pattern != FloatPattern::Exact;
        return format_to(buffer, "v128:{:#x}:{:#x} ({} lanes{})", read_lane(value.v128, 8), read_lane(value.v128 + 8, 8),
            lane_type_name(value.lane_type), has_pattern ? ", some NaN patterns" : "");
    }
    case SpecType::FuncRef:
    case SpecType::ExternRef:
        if (value.is_null)
            return format_to(buffer, "{}:null", spec_type_name(value.type));
        return format_to(buffer, "{}:{}", spec_type_name(value.type), value.bits);
    }
    return format_to(buffer, "?");
}

ScriptRunner::ScriptRunner(wasm::Allocator& allocator, ModuleSource& source, const wasm::StoreConfig& config)
    : m_allocator(allocator)
    , m_source(source)
    , m_store(allocator, config)
{
    m_reason[0] = '\0';
}

Result<ScriptRunner*> ScriptRunner::create(wasm::Allocator& allocator, ModuleSource& source, const wasm::StoreConfig& config)
{
    void* memory = allocator.allocate(sizeof(ScriptRunner), alignof(ScriptRunner));
    if (!memory)
        return Error::from(ErrorCode::OutOfMemory, "no memory for the script runner");
    auto* runner = new (memory) ScriptRunner(allocator, source, config);
    if (auto result = runner->create_spectest_module(); result.is_error()) {
        runner->destroy();
        return result.release_error();
    }
    return runner;
}

void ScriptRunner::destroy()
{
    wasm::Allocator& allocator = m_allocator;
    this->~ScriptRunner();
    allocator.deallocate(this, sizeof(ScriptRunner), alignof(ScriptRunner));
}

ErrorOr ScriptRunner::create_spectest_module()
{
    m_spectest = TRY(SpectestModule::create(m_store));
    return {};
}

CommandOutcome ScriptRunner::pass() { return CommandOutcome { true, StringView(), false, false }; }

CommandOutcome ScriptRunner::pass_with_wording(StringView actual, StringView expected)
{
    if (messages_agree(actual, expected))
        return pass();
    StringView note = format_to(Span<char>(m_reason, sizeof(m_reason)), "message '{}', script expects '{}'", actual, expected);
    return CommandOutcome { true, note, false, true };
}

template<typename... Args>
CommandOutcome ScriptRunner::fail(StringView format_string, const Args&... args)
{
    StringView reason = format_to(Span<char>(m_reason, sizeof(m_reason)), format_string, args...);
    return CommandOutcome { false, reason, false, false };
}

ErrorOr ScriptRunner::bind(FixedVector<NamedInstance, 64>& table, StringView name, wasm::Instance* instance)
{
    if (name.length() > max_name_length)
        return Error::from(ErrorCode::Unsupported, "module name longer than the runner holds");
    for (auto& entry : table) {
        if (entry.view() == name) {
            entry.instance = instance;
            return {};
        }
    }
    NamedInstance entry;
    for (usize i = 0; i < name.length(); ++i)
        entry.name[i] = name[i];
    entry.length = name.length();
    entry.instance = instance;
    return table.try_append(entry);
}

Result<wasm::Instance*> ScriptRunner::find_instance(StringView module_name)
{
    if (module_name.is_empty()) {
        if (!m_current)
            return Error::from(ErrorCode::NotFound, "no current module (an earlier module command failed?)");
        return m_current;
    }
    for (auto& entry : m_named) {
        if (entry.view() != module_name)
            continue;
        if (!entry.instance)
            return Error::from(ErrorCode::NotFound, "that module failed to load");
        return entry.instance;
    }
    return Error::from(ErrorCode::NotFound, "no module of that name");
}

Result<wasm::Module> ScriptRunner::decode(const Command& command)
{
    ReadonlyBytes bytes = TRY(m_source.module_bytes(command.filename));
    return wasm::Module::create(m_allocator, bytes);
}

Result<Extern> ScriptRunner::resolve_import(StringView module_name, StringView field)
{
    if (module_name == "spectest") {
        auto value = m_spectest.find(field);
        if (!value.has_value())
            return Error::from(ErrorCode::Unlinkable, "unknown import");
        return *value;
    }
    for (auto& entry : m_registered) {
        if (entry.view() != module_name)
            continue;
        auto exported = entry.instance->find_export(field);
        if (!exported.has_value())
            return Error::from(ErrorCode::Unlinkable, "unknown import");
        return *exported;
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
}

Result<wasm::Instance*> ScriptRunner::instantiate(const wasm::Module& module)
{
    wasm::Linker linker;
    auto link = [](void* runner, wasm::Store&, const wasm::ImportDescription& import) -> Result<Extern> {
        return static_cast<ScriptRunner*>(runner)->resolve_import(import.module_name, import.field_name);
    };
    TRY(linker.add({}, link, this)); // spectest and every registered module name
    m_store.set_fuel(fuel_per_action);
    auto result = linker.instantiate(m_store, module);
    m_store.set_fuel(none);
    if (!result.is_error() && m_observer)
        m_observer->on_instance(*result.value());
    return result;
}

ErrorOr ScriptRunner::perform(const SpecAction& action, ActionResults& results)
{
    wasm::Instance* instance = TRY(find_instance(action.module_name));
    auto exported = instance->find_export(action.field);
    if (!exported.has_value())
        return Error::from(ErrorCode::NotFound, "no export of that name");
    if (action.type == ActionType::Get) {
        wasm::Global* global = exported->as_global();
        if (!global)
            return Error::from(ErrorCode::InvalidArgument, "the export is not a global");
        results.values[0] = global->get();
        results.count = 1;
        return {};
    }
    wasm::Function* function = exported->as_function();
    if (!function)
        return Error::from(ErrorCode::InvalidArgument, "the export is not a function");
    FixedVector<Value, max_spec_values> arguments;
    for (auto& argument : action.arguments) {
        Value value = TRY(to_engine_value(argument));
        TRY(arguments.try_append(value));
    }
    usize count = function->type().results.size();
    if (count > max_spec_values)
        return Error::from(ErrorCode::Unsupported, "more results than the runner holds");
    m_store.set_fuel(fuel_per_action);
    auto outcome = m_store.invoke(*function, arguments.span(), Span<Value>(results.values, count));
    m_store.set_fuel(none);
    TRY(outcome);
    results.count = count;
    return {};
}

CommandOutcome ScriptRunner::run_module(const Command& command)
{
    // A failed definition leaves no current module (and unbinds its name): later actions on it
    // fail on their own instead of running against an older module.
    m_current = nullptr;
    if (!command.name.is_empty()) {
        if (auto bound = bind(m_named, command.name, nullptr); bound.is_error())
            return fail("{}", error_text(bound.error()));
    }
    if (command.module_format == ModuleFormat::Text)
        return fail("a text-format module cannot be given to a binary engine");
    auto module = decode(command);
    if (module.is_error()) {
        const Error& error = module.error();
        if (error.has_offset())
            return fail("module rejected: {} at offset {:#x}: {}", error_code_name(error.code), error.offset, error_text(error));
        return fail("module rejected: {}: {}", error_code_name(error.code), error_text(error));
    }
    auto instance = instantiate(module.value());
    if (instance.is_error())
        return fail("instantiation failed: {}: {}", error_code_name(instance.error().code), error_text(instance.error()));
    m_current = instance.value();
    if (!command.name.is_empty())
        (void)bind(m_named, command.name, m_current); // the slot exists: bound to null above
    return pass();
}

CommandOutcome ScriptRunner::run_register(const Command& command)
{
    auto instance = find_instance(command.name);
    if (instance.is_error())
        return fail("register: {}", error_text(instance.error()));
    if (auto bound = bind(m_registered, command.as_name, instance.value()); bound.is_error())
        return fail("register: {}", error_text(bound.error()));
    return pass();
}

CommandOutcome ScriptRunner::run_action_command(const Command& command)
{
    ActionResults results;
    auto outcome = perform(command.action, results);
    if (outcome.is_error())
        return fail("action failed: {}: {}", error_code_name(outcome.error().code), error_text(outcome.error()));
    return pass();
}

CommandOutcome ScriptRunner::run_assert_return(const Command& command)
{
    ActionResults results;
    auto outcome = perform(command.action, results);
    if (outcome.is_error())
        return fail("{} failed: {}: {}", command.action.field, error_code_name(outcome.error().code), error_text(outcome.error()));
    if (results.count != command.expected.size())
        return fail("{} returned {} values, expected {}", command.action.field, results.count, command.expected.size());
    for (usize i = 0; i < results.count; ++i) {
        if (value_matches(results.values[i], command.expected[i]))
            continue;
        char actual_text[96];
        char expected_text[128];
        return fail("result {}: got {}, expected {}", i, describe_value(results.values[i], Span<char>(actual_text, sizeof(actual_text))),
            describe_spec_value(command.expected[i], Span<char>(expected_text, sizeof(expected_text))));
    }
    return pass();
}

CommandOutcome ScriptRunner::run_assert_trap(const Command& command, bool exhaustion)
{
    ActionResults results;
    auto outcome = perform(command.action, results);
    const char* expectation = exhaustion ? "exhaustion" : "a trap";
    if (!outcome.is_error())
        return fail("{} returned normally, expected {} '{}'", command.action.field, expectation, command.text);
    const Error& error = outcome.error();
    if (error.code != ErrorCode::Trap)
        return fail("{} failed with {}: {}, expected {} '{}'", command.action.field, error_code_name(error.code),
            error_text(error), expectation, command.text);
    if (!messages_agree(error_text(error), command.text))
        return fail("{} trapped with '{}', expected '{}'", command.action.field, error_text(error), command.text);
    if (exhaustion && wasm::trap_kind(error) != wasm::TrapKind::CallStackExhausted)
        return fail("{} trapped, but not with CallStackExhausted", command.action.field);
    return pass();
}

CommandOutcome ScriptRunner::run_assert_module_error(const Command& command)
{
    if (command.type == CommandType::AssertMalformed && command.module_format == ModuleFormat::Text) {
        auto rejected = m_source.text_module_rejected(command.filename);
        if (rejected.is_error())
            return fail("cannot check a text-format module: {}", error_text(rejected.error()));
        if (!rejected.value())
            return fail("the text front end accepts this text-format module; the engine cannot be asked");
        CommandOutcome outcome = pass();
        outcome.decided_by_text_front_end = true;
        return outcome;
    }
    auto module = decode(command);
    if (command.type == CommandType::AssertMalformed || command.type == CommandType::AssertInvalid) {
        ErrorCode expected = command.type == CommandType::AssertMalformed ? ErrorCode::Malformed : ErrorCode::Invalid;
        const char* expected_name = command.type == CommandType::AssertMalformed ? "malformed" : "invalid";
        if (!module.is_error())
            return fail("module accepted, expected {} '{}'", expected_name, command.text);
        const Error& error = module.error();
        if (error.code != expected)
            return fail("module rejected as {} ({}), expected {} '{}'", error_code_name(error.code), error_text(error),
                expected_name, command.text);
        return pass_with_wording(error_text(error), command.text);
    }
    if (module.is_error())
        return fail("module rejected: {}: {}, expected it to decode and fail to instantiate", error_code_name(module.error().code),
            error_text(module.error()));
    auto instance = instantiate(module.value());
    bool unlinkable = command.type == CommandType::AssertUnlinkable;
    if (!instance.is_error())
        return fail("module instantiated, expected {} '{}'", unlinkable ? "a link error" : "a trap", command.text);
    const Error& error = instance.error();
    if (unlinkable) {
        if (error.code != ErrorCode::Unlinkable)
            return fail("instantiation failed with {}: {}, expected a link error '{}'", error_code_name(error.code),
                error_text(error), command.text);
        return pass_with_wording(error_text(error), command.text);
    }
    if (error.code != ErrorCode::Trap)
        return fail("instantiation failed with {}: {}, expected a trap '{}'", error_code_name(error.code), error_text(error),
            command.text);
    if (!messages_agree(error_text(error), command.text))
        return fail("instantiation trapped with '{}', expected '{}'", error_text(error), command.text);
    return pass();
}

CommandOutcome ScriptRunner::run(const Command& command)
{
    switch (command.type) {
    case CommandType::Module: return run_module(command);
    case CommandType::Register: return run_register(command);
    case CommandType::Action: return run_action_command(command);
    case CommandType::AssertReturn: return run_assert_return(command);
    case CommandType::AssertTrap: return run_assert_trap(command, false);
    case CommandType::AssertExhaustion: return run_assert_trap(command, true);
    case CommandType::AssertInvalid:
    case CommandType::AssertMalformed:
    case CommandType::AssertUnlinkable:
    case CommandType::AssertUninstantiable: return run_assert_module_error(command);
    }
    return fail("unknown command");
}

ErrorOr run_script(StringView json_text, wasm::Allocator& allocator, ModuleSource& source, ScriptObserver& observer,
                   const wasm::StoreConfig& config)
{
    JsonValue root = TRY(parse_json(json_text));
    auto commands = root.member("commands");
    if (!commands.has_value() || !commands->is_array())
        return Error::from(ErrorCode::Malformed, "script has no \"commands\" array");

    ScriptRunner* runner = TRY(ScriptRunner::create(allocator, source, config));
    runner->set_observer(&observer);
    void* command_memory = allocator.allocate(sizeof(Command), alignof(Command));
    if (!command_memory) {
        runner->destroy();
        return Error::from(ErrorCode::OutOfMemory, "no memory for a command");
    }
    JsonArrayIterator entries(*commands);
    u32 previous_line = 0;
    u32 ordinal = 0;
    while (auto entry = entries.next()) {
        auto* command = new (command_memory) Command();
        auto parsed = parse_command(*entry, *command);
        u32 line = command->line;
        ordinal = (line == previous_line) ? ordinal + 1 : 1;
        previous_line = line;
        if (parsed.is_error())
            observer.on_unparsable_command(line, ordinal, parsed.error());
        else
            observer.on_command(*command, ordinal, runner->run(*command));
        command->~Command();
    }
    allocator.deallocate(command_memory, sizeof(Command), alignof(Command));
    runner->destroy();
    return {};
}

} // namespace ath::spec
