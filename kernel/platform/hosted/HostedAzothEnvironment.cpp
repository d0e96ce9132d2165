#include <kernel/platform/hosted/HostedAzothEnvironment.h>

namespace ath::hosted {

namespace {

wasm::StoreConfig never_moving_memories(HostedLinearMemoryProvider& memories, HostedCodeMemory& code_memory, wasm::ExecutionTier tier)
{
    wasm::StoreConfig config;
    config.memory_provider = &memories;
    if (tier == wasm::ExecutionTier::Compiled)
        config.code_memory = &code_memory;
    return config;
}

} // namespace

HostedAzothEnvironment::HostedAzothEnvironment(object::ObjectAllocator& objects, wasm::ExecutionTier tier)
    : store(wasm_allocator, never_moving_memories(memories, code_memory, tier)), objects(objects)
{
}

HostedAzothEnvironment::~HostedAzothEnvironment()
{
    for (auto* context : m_contexts)
        sys::AzothContext::destroy(context);
}

Result<const wasm::Module*> HostedAzothEnvironment::load_module(const char* path)
{
    m_modules.push_back(TRY(wasm::hosted::load_module_file(wasm_allocator, path)));
    return &m_modules.back();
}

Result<sys::AzothContext*> HostedAzothEnvironment::create_context(StringView process_name)
{
    auto* context = TRY(sys::AzothContext::create(environment, process_name));
    m_contexts.push_back(context);
    return context;
}

Result<wasm::Instance*> HostedAzothEnvironment::instantiate(const wasm::Linker& linker, const wasm::Module& module,
                                                            sys::AzothContext& context, wasm::Linker::Failure* failure)
{
    auto* instance = TRY(linker.instantiate(store, module, failure));
    TRY(context.attach_instance(*instance));
    return instance;
}

} // namespace ath::hosted
