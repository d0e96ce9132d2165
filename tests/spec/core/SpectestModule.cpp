#include "SpectestModule.h"

namespace ath::spec {

using wasm::Extern;
using wasm::Value;
using wasm::ValueType;

namespace {

ErrorOr ignore_print(wasm::HostCall&, Span<const Value>, Span<Value>) { return {}; }

constexpr ValueType i32_type[] = { ValueType::I32 };
constexpr ValueType i64_type[] = { ValueType::I64 };
constexpr ValueType f32_type[] = { ValueType::F32 };
constexpr ValueType f64_type[] = { ValueType::F64 };
constexpr ValueType i32_f32_types[] = { ValueType::I32, ValueType::F32 };
constexpr ValueType f64_f64_types[] = { ValueType::F64, ValueType::F64 };

} // namespace

Result<SpectestModule> SpectestModule::create(wasm::Store& store)
{
    SpectestModule module;
    struct PrintFunction {
        const char* name;
        Span<const ValueType> parameters;
    };
    const PrintFunction prints[] = {
        { "print", {} },
        { "print_i32", i32_type },
        { "print_i64", i64_type },
        { "print_f32", f32_type },
        { "print_f64", f64_type },
        { "print_i32_f32", i32_f32_types },
        { "print_f64_f64", f64_f64_types },
    };
    for (auto& print : prints) {
        wasm::Function* function = TRY(store.create_host_function({ print.parameters, {} }, ignore_print, nullptr));
        TRY(module.m_exports.try_append({ print.name, Extern::from(function) }));
    }
    struct SpectestGlobal {
        const char* name;
        Value value;
    };
    const SpectestGlobal globals[] = {
        { "global_i32", Value::from_i32(666) },
        { "global_i64", Value::from_i64(666) },
        { "global_f32", Value::from_f32_bits(bit_cast<u32>(666.6f)) },
        { "global_f64", Value::from_f64_bits(bit_cast<u64>(666.6)) },
    };
    for (auto& global : globals) {
        wasm::Global* created = TRY(store.create_global({ global.value.type(), false }, global.value));
        TRY(module.m_exports.try_append({ global.name, Extern::from(created) }));
    }
    wasm::Table* table = TRY(store.create_table({ ValueType::FuncRef, { 10, 20u } }, Value::null_ref(ValueType::FuncRef)));
    TRY(module.m_exports.try_append({ "table", Extern::from(table) }));
    wasm::Memory* memory = TRY(store.create_memory({ { 1, 2u } }));
    TRY(module.m_exports.try_append({ "memory", Extern::from(memory) }));
    return module;
}

Optional<Extern> SpectestModule::find(StringView field) const
{
    for (auto& entry : m_exports) {
        if (field == entry.name)
            return entry.value;
    }
    return none;
}

} // namespace ath::spec
