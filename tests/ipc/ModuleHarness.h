#pragma once

// Runs Azoth C modules on the hosted kernel core for the IPC tests: the shared hosted environment
// (kernel/platform/hosted/HostedAzothEnvironment.h) and an AzothContext per module.
#include <kernel/platform/hosted/HostedAzothEnvironment.h>
#include <kernel/sys/ImportSources.h>

#include <string>
#include <vector>

namespace ath::ipc_test {

struct Loaded {
    sys::AzothContext* context { nullptr };
    wasm::Instance* instance { nullptr };
    object::ProcessObject& process() const { return context->process(); }
};

class ModuleHarness : public hosted::HostedAzothEnvironment {
public:
    static std::string module_path(const char* name) { return std::string(IPC_TEST_MODULES) + "/" + name + ".wasm"; }

    Result<Loaded> load(const char* module_name, StringView process_name)
    {
        const wasm::Module* module = TRY(load_module(module_path(module_name).c_str()));
        auto* context = TRY(create_context(process_name));
        wasm::Linker linker;
        TRY(linker.add(sys::azoth_module_name, &sys::link_azoth, context));
        return Loaded { context, TRY(instantiate(linker, *module, *context)) };
    }

    // Calls export `name` with i32/i64 arguments as given (the export's type decides), one result.
    Result<u64> run(const Loaded& loaded, const char* name, std::initializer_list<u64> arguments)
    {
        auto exported = loaded.instance->find_export(name);
        if (!exported.has_value() || !exported->as_function())
            return Error::from(ErrorCode::NotFound, "no such export");
        wasm::Function& function = *exported->as_function();
        auto type = function.type();
        std::vector<wasm::Value> values;
        usize i = 0;
        for (u64 argument : arguments) {
            values.push_back(type.parameters[i++] == wasm::ValueType::I64 ? wasm::Value::from_i64(argument)
                                                                           : wasm::Value::from_i32(static_cast<u32>(argument)));
        }
        wasm::Value result[1];
        Span<wasm::Value> results(result, type.results.size());
        TRY(loaded.context->run(function, Span<const wasm::Value>(values.data(), values.size()), results));
        if (type.results.size() == 0)
            return 0;
        return type.results[0] == wasm::ValueType::I64 ? result[0].as_i64() : static_cast<u64>(static_cast<i64>(static_cast<i32>(result[0].as_i32())));
    }

    // An endpoint served by `server`, installed in `client` with `rights`.
    Result<object::Handle> connect(const Loaded& client, const Loaded& server, object::Rights rights)
    {
        auto endpoint = TRY(server.context->create_endpoint());
        return client.process().handles().install(*endpoint, rights);
    }
};

// Status values from abi/azoth.def as the C modules see them (negated by the examples).
enum : i64 {
    status_ok = 0,
    status_bad_handle = 1,
    status_permission_denied = 2,
    status_invalid_argument = 3,
    status_fault = 4,
    status_exhausted = 6,
    status_busy = 7,
    status_timed_out = 8,
    status_server_trapped = 9,
    status_not_found = 10,
    status_already_exists = 11,
};

} // namespace ath::ipc_test
