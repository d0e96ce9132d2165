#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <kernel/platform/hosted/HostedSupport.h>
#include <tests/spec/core/ScriptRunner.h>

using namespace ath;
using namespace ath::spec;
using wasm::Value;

namespace {

// (module
//   (import "spectest" "global_i32" (global $g i32))
//   (import "spectest" "print_i32" (func $print (param i32)))
//   (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
//   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
//   (func (export "nan") (result f32) (f32.const nan:0x200000))
//   (func (export "g") (result i32) (call $print (global.get $g)) (global.get $g))
//   (func (export "loop") (loop (br 0)))
//   (global (export "answer") i32 (i32.const 42)))
const u8 main_module[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x16, 0x05, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x02,
    0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7d, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x2d, 0x02, 0x08, 0x73, 0x70,
    0x65, 0x63, 0x74, 0x65, 0x73, 0x74, 0x0a, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x5f, 0x69, 0x33, 0x32, 0x03, 0x7f, 0x00, 0x08,
    0x73, 0x70, 0x65, 0x63, 0x74, 0x65, 0x73, 0x74, 0x09, 0x70, 0x72, 0x69, 0x6e, 0x74, 0x5f, 0x69, 0x33, 0x32, 0x00, 0x00, 0x03,
    0x06, 0x05, 0x01, 0x01, 0x02, 0x03, 0x04, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x2a, 0x0b, 0x07, 0x27, 0x06, 0x03, 0x61, 0x64,
    0x64, 0x00, 0x01, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02, 0x03, 0x6e, 0x61, 0x6e, 0x00, 0x03, 0x01, 0x67, 0x00, 0x04, 0x04, 0x6c,
    0x6f, 0x6f, 0x70, 0x00, 0x05, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x03, 0x01, 0x0a, 0x2a, 0x05, 0x07, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x07, 0x00, 0x43, 0x00, 0x00, 0xa0, 0x7f, 0x0b, 0x08,
    0x00, 0x23, 0x00, 0x10, 0x00, 0x23, 0x00, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b };

// (module (import "M" "add" (func $add (param i32 i32) (result i32)))
//   (func (export "twice") (param i32) (result i32) (call $add (local.get 0) (local.get 0))))
const u8 importing_module[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x09, 0x01, 0x01, 0x4d, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01,
    0x07, 0x09, 0x01, 0x05, 0x74, 0x77, 0x69, 0x63, 0x65, 0x00, 0x01, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x20, 0x00, 0x20, 0x00, 0x10,
    0x00, 0x0b };

// (module (func (result i32) (i64.const 0)))  -- a type mismatch
const u8 invalid_module[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03,
    0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b };

const u8 malformed_module[] = { 0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00 };

class MemorySource final : public ModuleSource {
public:
    std::map<std::string, std::vector<u8>> files;
    bool text_rejected { true };

    Result<ReadonlyBytes> module_bytes(StringView filename) override
    {
        auto found = files.find(std::string(filename.characters(), filename.length()));
        if (found == files.end())
            return Error::from(ErrorCode::NotFound, "no such module file");
        return ReadonlyBytes(found->second.data(), found->second.size());
    }
    Result<bool> text_module_rejected(StringView) override { return text_rejected; }
};

struct Recorded {
    u32 line;
    u32 ordinal;
    bool passed;
    bool text_front_end;
    std::string reason;
};

class Recorder final : public ScriptObserver {
public:
    std::vector<Recorded> outcomes;
    void on_command(const Command& command, u32 ordinal, const CommandOutcome& outcome) override
    {
        outcomes.push_back({ command.line, ordinal, outcome.passed, outcome.decided_by_text_front_end,
            std::string(outcome.reason.characters() ? outcome.reason.characters() : "", outcome.reason.length()) });
    }
    void on_unparsable_command(u32 line, u32 ordinal, const Error& error) override
    {
        outcomes.push_back({ line, ordinal, false, false, std::string("unparsable: ") + error.reason });
    }
};

template<usize N>
std::vector<u8> bytes(const u8 (&array)[N])
{
    return std::vector<u8>(array, array + N);
}

} // namespace

TEST(SpecValueMatch, FloatNanPatterns)
{
    SpecValue canonical { .type = SpecType::F32, .has_value = true, .pattern = FloatPattern::CanonicalNan };
    SpecValue arithmetic { .type = SpecType::F32, .has_value = true, .pattern = FloatPattern::ArithmeticNan };
    EXPECT_TRUE(value_matches(Value::from_f32_bits(0x7fc00000), canonical));
    EXPECT_TRUE(value_matches(Value::from_f32_bits(0xffc00000), canonical));
    EXPECT_FALSE(value_matches(Value::from_f32_bits(0x7fc00001), canonical));
    EXPECT_TRUE(value_matches(Value::from_f32_bits(0x7fc00001), arithmetic));
    EXPECT_FALSE(value_matches(Value::from_f32_bits(0x7fa00000), arithmetic)); // signalling
    EXPECT_FALSE(value_matches(Value::from_f32_bits(0x3f800000), arithmetic));
    EXPECT_FALSE(value_matches(Value::from_f64_bits(0x7ff8000000000000), canonical)); // wrong type
    SpecValue canonical64 { .type = SpecType::F64, .has_value = true, .pattern = FloatPattern::CanonicalNan };
    EXPECT_TRUE(value_matches(Value::from_f64_bits(0xfff8000000000000), canonical64));
    EXPECT_FALSE(value_matches(Value::from_f64_bits(0x7ff4000000000000), canonical64));
    SpecValue exact { .type = SpecType::F32, .has_value = true, .bits = 0x80000000 };
    EXPECT_TRUE(value_matches(Value::from_f32_bits(0x80000000), exact));
    EXPECT_FALSE(value_matches(Value::from_f32_bits(0), exact)); // -0 is not +0
}

TEST(SpecValueMatch, V128LanesAndReferences)
{
    SpecValue expected { .type = SpecType::V128, .has_value = true, .lane_type = LaneType::F32 };
    expected.lane_patterns[1] = FloatPattern::CanonicalNan;
    expected.v128[0] = 1;
    wasm::V128 actual {};
    actual.bytes[0] = 1;
    actual.bytes[6] = 0xc0;
    actual.bytes[7] = 0x7f;
    EXPECT_TRUE(value_matches(Value::from_v128(actual), expected));
    actual.bytes[8] = 1;
    EXPECT_FALSE(value_matches(Value::from_v128(actual), expected));

    SpecValue null_extern { .type = SpecType::ExternRef, .has_value = true, .is_null = true };
    SpecValue extern_zero { .type = SpecType::ExternRef, .has_value = true, .bits = 0 };
    EXPECT_TRUE(value_matches(Value::null_ref(wasm::ValueType::ExternRef), null_extern));
    EXPECT_FALSE(value_matches(Value::from_extern(0), null_extern));
    EXPECT_TRUE(value_matches(Value::from_extern(0), extern_zero));
    EXPECT_FALSE(value_matches(Value::null_ref(wasm::ValueType::ExternRef), extern_zero));
    EXPECT_FALSE(value_matches(Value::null_ref(wasm::ValueType::FuncRef), null_extern));
}

TEST(SpecValueMatch, MessagesAgreeOnACommonPrefix)
{
    EXPECT_TRUE(messages_agree("uninitialized element", "uninitialized element 2"));
    EXPECT_TRUE(messages_agree("integer divide by zero", "integer divide by zero"));
    EXPECT_TRUE(messages_agree("unexpected end of section or function", "unexpected end"));
    EXPECT_FALSE(messages_agree("integer overflow", "integer divide by zero"));
    EXPECT_FALSE(messages_agree("", "unreachable"));
}

TEST(SpecScriptRunner, RunsEveryKindOfCommand)
{
    MemorySource source;
    source.files["main.wasm"] = bytes(main_module);
    source.files["importer.wasm"] = bytes(importing_module);
    source.files["invalid.wasm"] = bytes(invalid_module);
    source.files["malformed.wasm"] = bytes(malformed_module);
    const char* script = R"({"source_filename": "t.wast", "commands": [
      {"type": "module", "line": 1, "name": "$main", "filename": "main.wasm"},
      {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": "add", "args": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "4294967295"}]}, "expected": [{"type": "i32", "value": "0"}]},
      {"type": "assert_return", "line": 3, "action": {"type": "invoke", "field": "add", "args": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "1"}]}, "expected": [{"type": "i32", "value": "3"}]},
      {"type": "assert_trap", "line": 4, "action": {"type": "invoke", "field": "div", "args": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "0"}]}, "text": "integer divide by zero", "expected": [{"type": "i32"}]},
      {"type": "assert_trap", "line": 5, "action": {"type": "invoke", "field": "div", "args": [{"type": "i32", "value": "2147483648"}, {"type": "i32", "value": "4294967295"}]}, "text": "integer divide by zero", "expected": [{"type": "i32"}]},
      {"type": "assert_return", "line": 6, "action": {"type": "invoke", "field": "nan", "args": []}, "expected": [{"type": "f32", "value": "nan:arithmetic"}]},
      {"type": "assert_return", "line": 7, "action": {"type": "invoke", "field": "g", "args": []}, "expected": [{"type": "i32", "value": "666"}]},
      {"type": "assert_return", "line": 8, "action": {"type": "get", "field": "answer"}, "expected": [{"type": "i32", "value": "42"}]},
      {"type": "register", "line": 9, "name": "$main", "as": "M"},
      {"type": "module", "line": 10, "filename": "importer.wasm"},
      {"type": "assert_return", "line": 11, "action": {"type": "invoke", "field": "twice", "args": [{"type": "i32", "value": "21"}]}, "expected": [{"type": "i32", "value": "42"}]},
      {"type": "action", "line": 12, "action": {"type": "invoke", "module": "$main", "field": "add", "args": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "1"}]}, "expected": [{"type": "i32"}]},
      {"type": "assert_invalid", "line": 13, "filename": "invalid.wasm", "text": "type mismatch", "module_type": "binary"},
      {"type": "assert_malformed", "line": 14, "filename": "malformed.wasm", "text": "unknown binary version", "module_type": "binary"},
      {"type": "assert_malformed", "line": 15, "filename": "invalid.wasm", "text": "whatever", "module_type": "binary"},
      {"type": "assert_malformed", "line": 16, "filename": "x.wat", "text": "unexpected token", "module_type": "text"},
      {"type": "assert_unlinkable", "line": 17, "filename": "importer.wasm", "text": "unknown import", "module_type": "binary"},
      {"type": "assert_return", "line": 18, "action": {"type": "invoke", "field": "nope", "args": []}, "expected": []}, {"type": "module", "line": 18, "filename": "missing.wasm"},
      {"type": "bogus", "line": 19}
    ]})";
    // Line 17: importer.wasm imports "M" "add"; after the line-10 module the registry still has
    // "M", so this assert_unlinkable must FAIL (the module links). That checks both directions.
    wasm::hosted::MallocAllocator allocator;
    Recorder recorder;
    auto result = run_script(script, allocator, source, recorder);
    ASSERT_FALSE(result.is_error());
    std::map<std::pair<u32, u32>, Recorded> by_line;
    for (auto& outcome : recorder.outcomes)
        by_line[{ outcome.line, outcome.ordinal }] = outcome;
    ASSERT_EQ(recorder.outcomes.size(), 20u);
    for (u32 line = 1; line <= 19; ++line)
        ASSERT_TRUE(by_line.count({ line, 1 })) << line;
    ASSERT_TRUE(by_line.count({ 18, 2 }));
    auto passed = [&](u32 line, u32 ordinal = 1) { return by_line.at({ line, ordinal }).passed; };
    EXPECT_TRUE(passed(1)) << by_line.at({ 1, 1 }).reason;
    EXPECT_TRUE(passed(2)) << by_line.at({ 2, 1 }).reason;
    EXPECT_FALSE(passed(3));
    EXPECT_NE(by_line.at({ 3, 1 }).reason.find("got i32:0x2"), std::string::npos) << by_line.at({ 3, 1 }).reason;
    EXPECT_TRUE(passed(4)) << by_line.at({ 4, 1 }).reason;
    EXPECT_FALSE(passed(5)); // traps with "integer overflow"
    EXPECT_FALSE(passed(6)); // a signalling NaN is not an arithmetic NaN
    EXPECT_TRUE(passed(7)) << by_line.at({ 7, 1 }).reason;
    EXPECT_TRUE(passed(8)) << by_line.at({ 8, 1 }).reason;
    EXPECT_TRUE(passed(9));
    EXPECT_TRUE(passed(10)) << by_line.at({ 10, 1 }).reason;
    EXPECT_TRUE(passed(11)) << by_line.at({ 11, 1 }).reason;
    EXPECT_TRUE(passed(12)) << by_line.at({ 12, 1 }).reason;
    EXPECT_TRUE(passed(13)) << by_line.at({ 13, 1 }).reason;
    EXPECT_TRUE(passed(14)) << by_line.at({ 14, 1 }).reason;
    EXPECT_FALSE(passed(15)); // invalid, not malformed
    EXPECT_TRUE(passed(16));
    EXPECT_TRUE(by_line.at({ 16, 1 }).text_front_end);
    EXPECT_FALSE(passed(17));
    EXPECT_FALSE(passed(18, 1));
    EXPECT_FALSE(passed(18, 2));
    EXPECT_FALSE(passed(19));
    EXPECT_EQ(allocator.live_allocations(), 0u);
}

TEST(SpecScriptRunner, UnknownImportIsUnlinkableAndTextModulesNeedTheFrontEnd)
{
    MemorySource source;
    source.files["importer.wasm"] = bytes(importing_module);
    source.text_rejected = false;
    const char* script = R"({"commands": [
      {"type": "assert_unlinkable", "line": 1, "filename": "importer.wasm", "text": "unknown import", "module_type": "binary"},
      {"type": "assert_malformed", "line": 2, "filename": "x.wat", "text": "unexpected token", "module_type": "text"}
    ]})";
    wasm::hosted::MallocAllocator allocator;
    Recorder recorder;
    ASSERT_FALSE(run_script(script, allocator, source, recorder).is_error());
    ASSERT_EQ(recorder.outcomes.size(), 2u);
    EXPECT_TRUE(recorder.outcomes[0].passed) << recorder.outcomes[0].reason;
    EXPECT_FALSE(recorder.outcomes[1].passed);
}

TEST(SpecScriptRunner, RejectsUnusableScripts)
{
    MemorySource source;
    wasm::hosted::MallocAllocator allocator;
    Recorder recorder;
    EXPECT_TRUE(run_script("{\"commands\": 3}", allocator, source, recorder).is_error());
    EXPECT_TRUE(run_script("[", allocator, source, recorder).is_error());
    EXPECT_TRUE(recorder.outcomes.empty());
}
