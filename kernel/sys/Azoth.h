#pragma once

// The `azoth` import module: handles, synchronous calls, regions, events and channels for Wasm
// modules. The functions are listed once in abi/azoth.def; sdk/include/azoth.h is generated from
// the same table. One AzothContext per module instance: it owns the instance's ProcessObject (handle
// table, mappings) and answers the instance's "azoth" imports.
//
// Life cycle: AzothContext::create(environment, name) -> link the module's imports with
// resolve_import -> Store::instantiate -> context.attach_instance(instance) -> context.run(...)
// (or serve calls through an endpoint). Destroying the context terminates the process: handles
// closed, mappings undone, endpoints to it answer E_NOT_FOUND.
#include <kernel/ipc/Call.h>
#include <kernel/object/Endpoint.h>
#include <kernel/object/Waiting.h>
#include <kernel/sys/GuestMemory.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

inline constexpr StringView azoth_module_name = "azoth";
inline constexpr u32 azoth_no_results = 0xFFFFFFFFu;

namespace abi {

// call_results (abi/azoth.def): where a call (azoth.call, call_with_handle) puts the server's four
// result words, or azoth_no_results for none. Checked before the server runs, so a bad pointer
// never costs a call (InvalidArgument when misaligned, OutOfRange out of bounds or over a read-only
// mapping), and written after it through a fresh check, not a view kept across the server's run
// (which may have mapped a region over them).
class CallResults {
public:
    CallResults(const GuestMemory& memory, u32 address) : m_memory(memory), m_address(address) { }
    ErrorOr check() const
    {
        if (m_address == azoth_no_results)
            return {};
        if (m_address % alignof(u64) != 0)
            return Error::from(ErrorCode::InvalidArgument, "misaligned call results");
        TRY(m_memory.writable_bytes(m_address, sizeof(object::CallWords)));
        return {};
    }
    ErrorOr store(const object::CallWords& reply) const
    {
        if (m_address == azoth_no_results)
            return {};
        return m_memory.write_bytes(m_address, ReadonlyBytes(reinterpret_cast<const u8*>(reply.words), sizeof(object::CallWords)));
    }

private:
    GuestMemory m_memory;
    u32 m_address;
};

} // namespace abi

// What a booted kernel adds: every process has its own Store and thread, and a call runs the
// server's handler on the caller's thread in the server's Store (docs/ipc.md, "Booted
// processes"). Hosted runs (one Store, one thread) leave AzothEnvironment::host null.
class AzothHost {
public:
    // The call stack of the thread running now (the caller's, during a migrating call).
    virtual ipc::CallStack& current_calls() = 0;
    // `root` (the process this thread runs) is about to block in a host call: callers may now run
    // its handler on their threads (its Store is idle below the blocked call).
    virtual void release_store(object::ProcessObject& root) = 0;
    // ... and wants its Store back: waits, not interruptibly, until no caller runs in it.
    virtual void reacquire_store(object::ProcessObject& root) = 0;
    // The handle `process`'s manifest names `name`, granted again from the kernel's directory
    // (its earlier one was closed, revoked or names a server that has ended). NotFound when
    // the manifest does not name it or nothing is published under it.
    virtual Result<object::Handle> regrant(object::ProcessObject& process, StringView name) = 0;

protected:
    ~AzothHost() = default;
};

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
    AzothHost* host { nullptr };       // booted kernels only (see AzothHost)

    // The call stack of the running thread.
    ipc::CallStack& current_calls() { return host ? host->current_calls() : calls; }
};

class AzothContext final : private object::CallTarget, private object::LinearMemoryAccess {
public:
    static Result<AzothContext*> create(AzothEnvironment& environment, StringView process_name);
    // For a process object the embedder made earlier (booted: at spawn, to grant its handles).
    static Result<AzothContext*> create(AzothEnvironment& environment, object::RefPtr<object::ProcessObject> process);
    static void destroy(AzothContext* context);

    object::ProcessObject& process() { return *m_process; }
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

    // Names a handle for azoth.handle_find (the manifest's `handle = kind:name:rights` lines).
    // A later call with the same name replaces the handle. Exhausted after max_named_handles.
    static constexpr usize max_named_handles = 16;
    static constexpr usize max_handle_name = 31;
    ErrorOr name_handle(StringView name, object::Handle handle);
    // The live handle named `name`; with a host, a dead one (closed, revoked, server ended) is
    // granted again. NotFound when the name is unknown.
    Result<object::Handle> find_handle(StringView name);

    AzothContext(AzothEnvironment& environment, object::RefPtr<object::ProcessObject> process);
    ~AzothContext();

private:
    Result<object::CallWords> handle(object::ProcessObject& server, const object::CallWords& message) override;
    ErrorOr handle_into(object::ProcessObject& server, const object::CallWords& message, object::CallWords& reply) override;
    Bytes linear_memory() override;

    static constexpr usize function_count = 0
// NOLINTNEXTLINE(bugprone-macro-parentheses): each row is one `+1` term of the sum; parentheses would make `0 (+1)` a call
#define ABI_FUNCTION(name, signature, parameters, capability, status) +1
#include <kernel/sys/abi/azoth.def>
        ;
    AzothEnvironment& m_environment;
    object::RefPtr<object::ProcessObject> m_process;
    wasm::Memory* m_memory { nullptr };
    wasm::Function* m_handler { nullptr };
    bool m_handler_returns_four { false };
    wasm::Function* m_functions[function_count] {};
    struct NamedHandle {
        char name[max_handle_name + 1] {};
        u8 length { 0 };
        object::Handle handle { object::invalid_handle };
    };
    NamedHandle m_named[max_named_handles];
    usize m_named_count { 0 };
};

} // namespace ath::sys
