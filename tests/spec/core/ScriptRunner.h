#pragma once

// Executes spec-script commands on the engine, as the reference interpreter would: module
// definitions and `register`, actions, and every assertion kind. The same code runs hosted (the
// `spec` ctest cases) and in the kernel's spectest mode; the environment only supplies bytes.
#include <kernel/lib/FixedVector.h>
#include <kernel/wasm/Runtime.h>

#include "Command.h"
#include "SpectestModule.h"

namespace ath::spec {

// What the runner needs from its environment.
class ModuleSource {
public:
    // The bytes of a module file named by the script; they stay valid until the next call.
    virtual Result<ReadonlyBytes> module_bytes(StringView filename) = 0;
    // assert_malformed commands on text-format modules test the text parser, which a binary engine
    // does not have: the environment tells whether the text front end (wabt) rejects the module
    // text. Returns an error when it cannot tell.
    virtual Result<bool> text_module_rejected(StringView filename) = 0;

protected:
    ~ModuleSource() = default;
};

class ScriptObserver;

struct CommandOutcome {
    bool passed { false };
    // Why it failed (or a note on a pass); points into the runner, valid until the next command.
    StringView reason;
    // Passed because the text front end rejected a text-format module; the engine never ran.
    bool decided_by_text_front_end { false };
    // Passed, but the engine's error message differs from the script's expected text.
    bool wording_differs { false };
};

class ScriptRunner {
public:
    // One runner per script: it owns the Store every module of the script lives in (made with
    // `config`: StoreConfig::code_memory asks for the compiled tier).
    static Result<ScriptRunner*> create(wasm::Allocator&, ModuleSource&, const wasm::StoreConfig& config = {});
    // Told about every module the script instantiates (for the tier it runs on).
    void set_observer(ScriptObserver* observer) { m_observer = observer; }
    void destroy();

    CommandOutcome run(const Command&);

    // Fuel given to every invocation and instantiation, so an engine bug that loops forever
    // fails one command instead of hanging the suite.
    static constexpr u64 fuel_per_action = 1ull << 32;

private:
    static constexpr usize max_name_length = 128;
    struct NamedInstance {
        char name[max_name_length];
        usize length { 0 };
        wasm::Instance* instance { nullptr };
        StringView view() const { return StringView(name, length); }
    };

    ScriptRunner(wasm::Allocator&, ModuleSource&, const wasm::StoreConfig&);
    ErrorOr create_spectest_module();

    CommandOutcome run_module(const Command&);
    CommandOutcome run_register(const Command&);
    CommandOutcome run_action_command(const Command&);
    CommandOutcome run_assert_return(const Command&);
    CommandOutcome run_assert_trap(const Command&, bool exhaustion);
    CommandOutcome run_assert_module_error(const Command&);

    Result<wasm::Module> decode(const Command&);
    Result<wasm::Instance*> instantiate(const wasm::Module&);
    Result<wasm::Extern> resolve_import(StringView module_name, StringView field);
    // What an action returned: `count` values.
    struct ActionResults {
        wasm::Value values[max_spec_values];
        usize count { 0 };
    };
    // Runs the command's action into `results`.
    ErrorOr perform(const SpecAction&, ActionResults& results);
    Result<wasm::Instance*> find_instance(StringView module_name);

    ErrorOr bind(FixedVector<NamedInstance, 64>& table, StringView name, wasm::Instance*);

    CommandOutcome pass();
    CommandOutcome pass_with_wording(StringView actual, StringView expected);
    template<typename... Args>
    CommandOutcome fail(StringView format_string, const Args&... args);

    wasm::Allocator& m_allocator;
    ModuleSource& m_source;
    wasm::Store m_store;
    SpectestModule m_spectest;
    FixedVector<NamedInstance, 64> m_named;      // "$name" bindings of module commands
    FixedVector<NamedInstance, 64> m_registered; // import module names made by `register`
    wasm::Instance* m_current { nullptr };
    ScriptObserver* m_observer { nullptr };
    char m_reason[512];
};

// Whether an engine message and a script's expected text agree: one is a prefix of the other
// (the reference interpreter's rule, relaxed so "uninitialized element" matches the script's
// "uninitialized element 2").
bool messages_agree(StringView actual, StringView expected);

// Compares one engine result with an expected value; on mismatch writes why into `reason`.
bool value_matches(const wasm::Value& actual, const SpecValue& expected);
StringView describe_value(const wasm::Value&, Span<char> buffer);
StringView describe_spec_value(const SpecValue&, Span<char> buffer);

// Runs every command of a wast2json script, reporting each to the observer.
class ScriptObserver {
public:
    // `ordinal` is 1 for the first command on a source line, 2 for a second one on the same line...
    virtual void on_command(const Command&, u32 ordinal, const CommandOutcome&) = 0;
    // A command the runner could not even parse (it counts as failed).
    virtual void on_unparsable_command(u32 line, u32 ordinal, const Error&) = 0;
    // A module the script instantiated (Instance::tier says which tier runs it).
    virtual void on_instance(const wasm::Instance&) { }

protected:
    ~ScriptObserver() = default;
};

// Errors only when the script itself is unusable (not JSON, no "commands" array).
ErrorOr run_script(StringView json_text, wasm::Allocator&, ModuleSource&, ScriptObserver&, const wasm::StoreConfig& config = {});

} // namespace ath::spec
