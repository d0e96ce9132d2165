#pragma once

// The `azoth` import module: handles, synchronous calls, regions, events and channels for Wasm
// modules. The functions are listed once in abi/azoth.def; sdk/include/azoth.h is generated from
// the same table. One AzothContext per module instance: it owns the instance's Process (handle
// table, mappings) and answers the instance's "azoth" imports.
//
// Life cycle: AzothContext::create(environment, name) -> link the module's imports with
// resolve_import -> Store::instantiate -> context.attach_instance(instance) -> context.run(...)
// (or serve calls through an endpoint). Destroying the context terminates the process: handles
// closed, mappings undone, endpoints to it answer E_NOT_FOUND.
#include <kernel/ipc/Call.h>
#include <kernel/object/Endpoint.h>
#include <kernel/object/Waiting.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

inline constexpr StringView azoth_module_name = "azoth";
inline constexpr u32 azoth_no_results = 0xFFFFFFFFu;

// What every context of one store shares.
struct AzothEnvironment {
    wasm::Store& store;
    object::ObjectAllocator& allocator;
    object::CapabilitySpace& space;
    ipc::CallStack& calls;             // the thread that runs this store
    object::WaitProvider* waiter;      // null: events and channels answer E_UNSUPPORTED
    // Null: region_map answers E_UNSUPPORTED. Only set when the store's memories never move
    // (StoreConfig::memory_provider reserves the maximum, e.g. HostedLinearMemoryProvider).
    object::PageMapper* mapper;
};

// The kernel status a module sees for an error (abi/azoth.def, AZOTH_STATUS).
i32 azoth_status_for(const Error& error);

class AzothContext final : private object::CallTarget, private object::LinearMemoryAccess {
public:
    static Result<AzothContext*> create(AzothEnvironment& environment, StringView process_name);
    static void destroy(AzothContext* context);

    object::Process& process() { return *m_process; }
    AzothEnvironment& environment() { return m_environment; }

    // The host function for azoth.`field`; Unlinkable for an unknown field or a wrong type.
    Result<wasm::Function*> resolve_import(StringView field, const wasm::FunctionType& expected);

    // After instantiation: the instance's memory (for pointers and mappings) and, if it exports
    // azoth_handle with a supported type, its call handler.
    ErrorOr attach_instance(wasm::Instance& instance);
    bool can_serve() const { return m_handler != nullptr; }

    // An endpoint whose calls run this instance's azoth_handle. InvalidArgument if it has none.
    Result<object::RefPtr<object::Endpoint>> create_endpoint();

    // Runs `function` of this instance as the thread's root process (the embedder's entry).
    ErrorOr run(wasm::Function& function, Span<const wasm::Value> arguments, Span<wasm::Value> results);

    wasm::Memory* memory() const { return m_memory; }

    AzothContext(AzothEnvironment& environment, object::RefPtr<object::Process> process);
    ~AzothContext();

private:
    Result<object::CallWords> handle(object::Process& server, const object::CallWords& message) override;
    Bytes linear_memory() override;

    static constexpr usize function_count = 0
#define AZOTH_FUNCTION(name, signature, c_parameters, capability, status) +1
#include <kernel/sys/abi/azoth.def>
        ;
    AzothEnvironment& m_environment;
    object::RefPtr<object::Process> m_process;
    wasm::Memory* m_memory { nullptr };
    wasm::Function* m_handler { nullptr };
    bool m_handler_returns_four { false };
    wasm::Function* m_functions[function_count] {};
};

} // namespace ath::sys
