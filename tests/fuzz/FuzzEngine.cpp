// libFuzzer target over the whole engine pipeline: decode + validate (Module::create), then
// instantiate with dummy imports of exactly the types the module asks for, then call every
// exported function with zero arguments under a small fuel budget. Any crash, sanitizer report,
// leak or VERIFY failure is an engine bug: malformed input must only ever produce an Error.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <kernel/platform/hosted/HostedSupport.h>
#include <kernel/wasm/Linker.h>
#include <kernel/wasm/Runtime.h>

using namespace ath;
using namespace ath::wasm;

namespace {

// Caps what one input may allocate, so a module that declares a 4 GiB memory or a huge table
// exercises the engine's out-of-memory paths instead of the fuzzer's RSS limit.
class CappedAllocator final : public Allocator {
public:
    static constexpr usize single_limit = 64u << 20;
    static constexpr usize total_limit = 256u << 20;

    void* allocate(usize size, usize alignment) override
    {
        if (size > single_limit || m_live_bytes + size > total_limit)
            return nullptr;
        // aligned_alloc wants a power-of-two alignment of at least a pointer and a size multiple of it.
        if (alignment < sizeof(void*))
            alignment = sizeof(void*);
        usize rounded = (size + alignment - 1) & ~(alignment - 1);
        void* pointer = aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
        if (pointer) {
            m_live_bytes += size;
            ++m_live_allocations;
        }
        return pointer;
    }

    void deallocate(void* pointer, usize size, usize) override
    {
        if (!pointer)
            return;
        m_live_bytes -= size;
        --m_live_allocations;
        free(pointer);
    }

    usize live_allocations() const { return m_live_allocations; }

private:
    usize m_live_bytes { 0 };
    usize m_live_allocations { 0 };
};

// user_data: the import's FunctionType (its spans point into the Module, which outlives the Store).
ErrorOr return_zeros(HostCall& call, Span<const Value>, Span<Value> results)
{
    auto& type = *static_cast<const FunctionType*>(call.user_data);
    for (usize i = 0; i < results.size() && i < type.results.size(); ++i) {
        ValueType result = type.results[i];
        results[i] = is_reference_type(result) ? Value::null_ref(result) : Value::zero(result);
    }
    return {};
}

Result<Extern> dummy_import(Store& store, const ImportDescription& import, const FunctionType& function_type)
{
    switch (import.type.kind) {
    case ExternKind::Function:
        return Extern::from(TRY(store.create_host_function(import.type.function, return_zeros, const_cast<FunctionType*>(&function_type))));
    case ExternKind::Table: {
        const TableType& type = import.type.table;
        return Extern::from(TRY(store.create_table(type, Value::null_ref(type.element))));
    }
    case ExternKind::Memory: return Extern::from(TRY(store.create_memory(import.type.memory)));
    case ExternKind::Global: {
        const GlobalType& type = import.type.global;
        Value initial = is_reference_type(type.type) ? Value::null_ref(type.type) : Value::zero(type.type);
        return Extern::from(TRY(store.create_global(type, initial)));
    }
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import kind");
}

constexpr usize max_imports = 256;
constexpr usize max_values = 64;
constexpr u64 fuel_per_call = 20000;

void run_module(Allocator& allocator, ReadonlyBytes bytes)
{
    auto module = Module::create(allocator, bytes);
    if (module.is_error()) {
        // Errors must be one of the documented kinds.
        ErrorCode code = module.error().code;
        if (code != ErrorCode::Malformed && code != ErrorCode::Invalid && code != ErrorCode::OutOfMemory
            && code != ErrorCode::Unsupported)
            abort();
        return;
    }
    StoreConfig config;
    config.max_call_depth = 500;
    config.value_stack_slots = 1u << 14;
    Store store(allocator, config);
    if (module.value().import_count() > max_imports)
        return;
    // Every import, of any module, answered by a stub of its own type (the stub's FunctionType
    // lives in `stubs`, which outlives the store's use of it).
    struct Stubs {
        FunctionType types[max_imports];
        usize count { 0 };
    } stubs;
    Linker linker;
    auto stub = [](void* context, Store& store, const ImportDescription& import) -> Result<Extern> {
        auto& stubs = *static_cast<Stubs*>(context);
        stubs.types[stubs.count] = import.type.function;
        return dummy_import(store, import, stubs.types[stubs.count++]);
    };
    if (linker.add({}, stub, &stubs).is_error())
        abort();
    store.set_fuel(fuel_per_call);
    auto instance = linker.instantiate(store, module.value());
    if (instance.is_error())
        return;
    auto called = hosted::for_each_exported_function(module.value(), *instance.value(), [&](StringView, Function& function) {
        FunctionType type = function.type();
        if (type.parameters.size() > max_values || type.results.size() > max_values)
            return;
        Value arguments[max_values];
        Value results[max_values];
        for (usize p = 0; p < type.parameters.size(); ++p) {
            ValueType parameter = type.parameters[p];
            arguments[p] = is_reference_type(parameter) ? Value::null_ref(parameter) : Value::zero(parameter);
        }
        store.set_fuel(fuel_per_call);
        (void)store.invoke(function, Span<const Value>(arguments, type.parameters.size()), Span<Value>(results, type.results.size()));
    });
    if (called.is_error())
        abort(); // the module said it exports a function its instance does not have
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    CappedAllocator allocator;
    run_module(allocator, ReadonlyBytes(data, size));
    // Everything a Module or Store allocated must be returned once they are gone.
    if (allocator.live_allocations() != 0)
        abort();
    return 0;
}
