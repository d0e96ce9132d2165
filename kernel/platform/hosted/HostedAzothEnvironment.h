#pragma once

// The `azoth` imports' machinery assembled in one Linux process, for what runs Azoth modules
// hosted with IPC (the IPC and device ABI tests, the ABI fuzzer's host, the IPC benchmark): one
// Store whose linear memories never move, a capability space, the call stack, futex waits, memfd
// regions and the AzothEnvironment over them. The booted kernel assembles the same pieces per
// process in kernel/process/ProcessIpc.
#include <kernel/ipc/Call.h>
#include <kernel/platform/hosted/HostedCodeMemory.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <kernel/platform/hosted/HostedWait.h>
#include <kernel/sys/Azoth.h>
#include <kernel/wasm/Linker.h>

#include <deque>
#include <vector>

namespace ath::hosted {

class HostedAzothEnvironment {
private:
    wasm::hosted::MallocAllocator m_malloc_objects; // first: outlives every object made through `objects`

public:
    HostedAzothEnvironment() : HostedAzothEnvironment(m_malloc_objects) { }
    // `tier` Compiled: the Store asks for the compiled tier (wasm::StoreConfig::code_memory).
    explicit HostedAzothEnvironment(wasm::ExecutionTier tier) : HostedAzothEnvironment(m_malloc_objects, tier) { }
    // Kernel objects come from `objects` (a caller's allocator can count what outlives this).
    explicit HostedAzothEnvironment(object::ObjectAllocator& objects, wasm::ExecutionTier tier = wasm::ExecutionTier::Interpreter);
    ~HostedAzothEnvironment();
    HostedAzothEnvironment(const HostedAzothEnvironment&) = delete;
    HostedAzothEnvironment& operator=(const HostedAzothEnvironment&) = delete;

    // Reads and creates the module in a .wasm file; it lives as long as this environment.
    Result<const wasm::Module*> load_module(const char* path);
    // A new process named `process_name` and its context; destroyed with this environment.
    Result<sys::AzothContext*> create_context(StringView process_name);
    // Instantiates `module` in the store with `linker`'s imports and attaches it to `context`.
    Result<wasm::Instance*> instantiate(const wasm::Linker& linker, const wasm::Module& module, sys::AzothContext& context,
                                        wasm::Linker::Failure* failure = nullptr);

    wasm::hosted::MallocAllocator wasm_allocator;
    HostedLinearMemoryProvider memories;
    HostedCodeMemory code_memory;
    wasm::Store store;
    object::ObjectAllocator& objects;
    object::CapabilitySpace space;
    ipc::CallStack calls;
    FutexWaitProvider waiter;
    HostedPageMapper mapper;
    sys::AzothEnvironment environment { store, objects, space, calls, &waiter, &mapper };

private:
    std::deque<wasm::Module> m_modules;
    std::vector<sys::AzothContext*> m_contexts;
};

} // namespace ath::hosted
