// wasm-run FILE.wasm [--invoke NAME [ARG...]] [--fuel N] [--spectest] [--fuzz] [--tier compiled|interp]
//
// Instantiates a module on the engine and calls exports, printing one line per event:
//   call NAME                 before each call
//   log i32 0x0000002a        a fuzzing-support log import was called (--fuzz)
//   result i32 0x0000002a     one line per result
//   trap integer divide by zero
// Without --invoke it calls every exported function that takes no parameters, in export order.
// --fuzz follows binaryen's fuzzing protocol instead (see tests/diff/README.md): it provides the
// "fuzzing-support" imports, calls every exported function with zero arguments, runs
// hangLimitInitializer before each call, prints NaNs as "nan" and treats v128 at the JS boundary
// as a host trap, exactly as tests/diff/run-v8.js does in V8.
// Exit status: 0 when the module ran (traps are results), 1 when it could not be loaded or
// instantiated, 2 on a usage error.
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include <kernel/platform/hosted/HostedCodeMemory.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <kernel/wasm/Linker.h>
#include <tests/spec/core/SpectestModule.h>

#include "ValueText.h"

using namespace ath;
using namespace ath::wasm;
using ath::wasm_run::parse_value;
using ath::wasm_run::value_text;

namespace {

// What V8 throws when a v128 crosses the JS boundary (a TypeError); both sides print this.
constexpr const char* v128_boundary_trap = "host: v128 at the JS boundary";

struct Options {
    std::string path;
    std::string invoke;
    std::vector<std::string> arguments;
    Optional<u64> fuel;
    bool spectest { false };
    bool fuzz { false };
    bool compiled { false }; // --tier compiled: the compiled tier (kernel/wasm/NativeTier.h)
};

int usage()
{
    fprintf(stderr,
        "usage: wasm-run FILE.wasm [--invoke NAME [ARG...]] [--fuel N] [--spectest] [--fuzz] [--tier compiled|interp]\n"
        "  --invoke NAME ARG...  call one export; arguments as i32/i64 integers, floats (or bits:0x...),\n"
        "                        v128 as 32 hex digits, references as null\n"
        "  --fuel N              fuel per call (loop back-edges + calls); exhaustion traps\n"
        "  --spectest            provide the spec testsuite's \"spectest\" import module\n"
        "  --fuzz                binaryen's fuzzing protocol (fuzzing-support imports, every export)\n"
        "  --tier compiled       run on the compiled tier when the compiler covers the module (stderr\n"
        "                        says which tier ran it); interp (default): the interpreter\n");
    return 2;
}

bool parse_options(int argc, char** argv, Options& options)
{
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        if (argument == "--invoke") {
            if (i + 1 >= argc)
                return false;
            options.invoke = argv[++i];
            // Everything after the name that is not an option is an argument of the call.
            while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0)
                options.arguments.push_back(argv[++i]);
        } else if (argument == "--fuel") {
            if (i + 1 >= argc)
                return false;
            char* end = nullptr;
            unsigned long long fuel = strtoull(argv[++i], &end, 0);
            if (*end)
                return false;
            options.fuel = static_cast<u64>(fuel);
        } else if (argument == "--spectest") {
            options.spectest = true;
        } else if (argument == "--fuzz") {
            options.fuzz = true;
        } else if (argument == "--tier" && i + 1 < argc) {
            std::string tier = argv[++i];
            if (tier != "compiled" && tier != "interp")
                return false;
            options.compiled = tier == "compiled";
        } else if (argument.rfind("--", 0) == 0 || !options.path.empty()) {
            return false;
        } else {
            options.path = argument;
        }
    }
    return !options.path.empty() && !(options.fuzz && !options.invoke.empty());
}

void print_error(const char* what, const Error& error)
{
    if (error.has_offset())
        printf("error: %s: %s at offset 0x%llx: %s\n", what, error_code_name(error.code),
            static_cast<unsigned long long>(error.offset), error.reason ? error.reason : "?");
    else
        printf("error: %s: %s: %s\n", what, error_code_name(error.code), error.reason ? error.reason : "?");
}

// fuzzing-support log-* imports: print the value the way run-v8.js does.
ErrorOr log_value(HostCall&, Span<const Value> arguments, Span<Value>)
{
    for (auto& argument : arguments) {
        if (argument.type() == ValueType::V128)
            return Error::from(ErrorCode::Trap, v128_boundary_trap);
        printf("log %s\n", value_text(argument, true).c_str());
    }
    return {};
}

Result<Extern> fuzzing_support_import(Store& store, const ImportDescription& import)
{
    if (import.type.kind != ExternKind::Function || !import.field_name.starts_with("log-"))
        return Error::from(ErrorCode::Unlinkable, "unknown import");
    // The engine checks the signature when it links; use the one the module asks for.
    Function* function = TRY(store.create_host_function(import.type.function, log_value, nullptr));
    return Extern::from(function);
}

bool crosses_js_boundary_badly(const FunctionType& type)
{
    for (auto parameter : type.parameters) {
        if (parameter == ValueType::V128)
            return true;
    }
    for (auto result : type.results) {
        if (result == ValueType::V128)
            return true;
    }
    return false;
}

// Calls one function and prints its results or trap. Returns false on a non-trap failure.
bool call_and_print(Store& store, Function& function, Span<const Value> arguments, const Options& options)
{
    std::vector<Value> results(function.type().results.size());
    fflush(stdout); // what ran so far survives a hang that gets the process killed
    store.set_fuel(options.fuel);
    auto outcome = store.invoke(function, arguments, Span<Value>(results.data(), results.size()));
    store.set_fuel(none);
    if (outcome.is_error()) {
        if (outcome.error().code == ErrorCode::Trap) {
            printf("trap %s\n", outcome.error().reason ? outcome.error().reason : "?");
            return true;
        }
        print_error("call", outcome.error());
        return false;
    }
    for (auto& result : results)
        printf("result %s\n", value_text(result, options.fuzz).c_str());
    return true;
}

int run(const Options& options)
{
    wasm::hosted::MallocAllocator allocator;
    // Before the module: a module's compiled code goes back to its provider when the module goes.
    ath::hosted::HostedLinearMemoryProvider memories;
    ath::hosted::HostedCodeMemory code_memory;
    auto module = wasm::hosted::load_module_file(allocator, options.path.c_str());
    if (module.is_error()) {
        print_error("module", module.error());
        return 1;
    }
    StoreConfig config;
    if (options.compiled) {
        config.memory_provider = &memories;
        config.code_memory = &code_memory;
    }
    Store store(allocator, config);
    Optional<spec::SpectestModule> spectest;
    if (options.spectest) {
        auto created = spec::SpectestModule::create(store);
        if (created.is_error()) {
            print_error("spectest", created.error());
            return 1;
        }
        spectest = created.release_value();
    }
    Linker linker;
    if (spectest.has_value()) {
        auto link_spectest = [](void* module, Store&, const ImportDescription& import) -> Result<Extern> {
            auto found = static_cast<spec::SpectestModule*>(module)->find(import.field_name);
            if (!found.has_value())
                return Error::from(ErrorCode::Unlinkable, "unknown import");
            return *found;
        };
        (void)linker.add("spectest", link_spectest, &spectest.value());
    }
    if (options.fuzz) {
        auto link_fuzzing_support = [](void*, Store& store, const ImportDescription& import) { return fuzzing_support_import(store, import); };
        (void)linker.add("fuzzing-support", link_fuzzing_support, nullptr);
    }
    Linker::Failure failure;
    store.set_fuel(options.fuel);
    auto instance = linker.instantiate(store, module.value(), &failure);
    if (instance.is_error() && failure.at_import) {
        printf("error: instantiate: unknown import %.*s.%.*s\n", static_cast<int>(failure.import.module_name.length()),
            failure.import.module_name.characters(), static_cast<int>(failure.import.field_name.length()),
            failure.import.field_name.characters());
        return 1;
    }
    store.set_fuel(none);
    if (options.compiled && !instance.is_error()) {
        const char* reason = instance.value()->interpreter_reason();
        fprintf(stderr, "wasm-run: tier %s%s%s%s\n", execution_tier_name(instance.value()->tier()), reason ? " (" : "", reason ? reason : "",
            reason ? ")" : "");
    }
    if (instance.is_error()) {
        if (instance.error().code == ErrorCode::Trap) {
            printf("instantiate trap %s\n", instance.error().reason ? instance.error().reason : "?");
            return 0;
        }
        print_error("instantiate", instance.error());
        return 1;
    }

    if (!options.invoke.empty()) {
        auto exported = instance.value()->find_export(StringView(options.invoke.c_str()));
        if (!exported.has_value() || !exported->as_function()) {
            printf("error: no exported function '%s'\n", options.invoke.c_str());
            return 1;
        }
        Function& function = *exported->as_function();
        FunctionType type = function.type();
        if (options.arguments.size() != type.parameters.size()) {
            printf("error: '%s' takes %zu arguments, %zu given\n", options.invoke.c_str(), type.parameters.size(),
                options.arguments.size());
            return 2;
        }
        std::vector<Value> arguments(type.parameters.size());
        for (usize i = 0; i < arguments.size(); ++i) {
            if (!parse_value(options.arguments[i], type.parameters[i], arguments[i])) {
                printf("error: argument %zu ('%s') is not a valid %s\n", i + 1, options.arguments[i].c_str(),
                    value_type_name(type.parameters[i]));
                return 2;
            }
        }
        printf("call %s\n", options.invoke.c_str());
        return call_and_print(store, function, Span<const Value>(arguments.data(), arguments.size()), options) ? 0 : 1;
    }

    Function* hang_limit_initializer = nullptr;
    if (options.fuzz) {
        if (auto found = instance.value()->find_export("hangLimitInitializer"); found.has_value())
            hang_limit_initializer = found->as_function();
    }
    int status = 0;
    bool reset_failed = false;
    (void)wasm::hosted::for_each_exported_function(module.value(), *instance.value(), [&](StringView export_name, Function& function) {
        if (reset_failed)
            return;
        FunctionType type = function.type();
        std::string name(export_name.characters(), export_name.length());
        if (!options.fuzz) {
            if (!type.parameters.is_empty())
                return;
            printf("call %s\n", name.c_str());
            if (!call_and_print(store, function, {}, options))
                status = 1;
            return;
        }
        if (&function == hang_limit_initializer)
            return;
        if (hang_limit_initializer) {
            store.set_fuel(options.fuel);
            auto reset = store.invoke(*hang_limit_initializer, {}, {});
            store.set_fuel(none);
            if (reset.is_error()) {
                print_error("hangLimitInitializer", reset.error());
                reset_failed = true;
                return;
            }
        }
        printf("call %s\n", name.c_str());
        if (crosses_js_boundary_badly(type)) {
            printf("trap %s\n", v128_boundary_trap);
            return;
        }
        std::vector<Value> arguments;
        for (auto parameter : type.parameters)
            arguments.push_back(is_reference_type(parameter) ? Value::null_ref(parameter) : Value::zero(parameter));
        if (!call_and_print(store, function, Span<const Value>(arguments.data(), arguments.size()), options))
            status = 1;
    });
    return reset_failed ? 1 : status;
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    if (!parse_options(argc, argv, options))
        return usage();
    setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
    int status = run(options);
    fflush(stdout);
    return status;
}
