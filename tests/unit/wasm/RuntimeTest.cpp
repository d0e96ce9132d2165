#include "WasmBytes.h"

#include <gtest/gtest.h>

using namespace ath;
using namespace ath::wasm;
using namespace ath::wasm::test;

namespace {

constexpr ValueType i32_type[] = { ValueType::I32 };

// (import "host" "read" (func (param i32) (result i32))) (memory (export "mem") 1)
// (data (i32.const 16) "\2a") (func (export "f") (result i32) i32.const 16 call 0)
ByteList caller_memory_module()
{
    return cat({
        header(),
        section(1, vec({ function_type({ I32 }, { I32 }), function_type({}, { I32 }) })),
        section(2, vec({ cat({ name("host"), name("read"), ByteList { 0x00, 0x00 } }) })),
        section(3, vec({ ByteList { 0x01 } })),
        section(5, vec({ ByteList { 0x00, 0x01 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x01 } }), cat({ name("mem"), ByteList { 0x02, 0x00 } }) })),
        section(10, vec({ body({ 0x00 }, { 0x41, 0x10, 0x10, 0x00 }) })),
        section(11, vec({ cat({ ByteList { 0x00, 0x41, 0x10, 0x0B }, name("\x2a") }) })),
    });
}

// Instantiates caller_memory_module's `module` in `store` with `host` as its import and calls its
// f into `result`; the instance goes to *instance (when given).
void call_f(Store& store, Module& module, Function* host, Value (&result)[1], Instance** instance = nullptr)
{
    Extern imports[] = { Extern::from(host) };
    auto instantiated = store.instantiate(module, imports);
    ASSERT_FALSE(instantiated.is_error());
    ASSERT_FALSE(store.invoke(*instantiated.value()->find_export("f")->as_function(), {}, result).is_error());
    if (instance)
        *instance = instantiated.value();
}

TEST(WasmRuntime, HostFunctionReadsCallerMemory)
{
    hosted::MallocAllocator allocator;
    int calls = 0;
    {
        Store store(allocator);
        auto module = make_module(allocator, caller_memory_module());
        ASSERT_FALSE(module.is_error());
        ASSERT_EQ(module.value().import_count(), 1u);
        auto import = module.value().import_at(0);
        EXPECT_TRUE(import.module_name == "host");
        EXPECT_TRUE(import.field_name == "read");
        EXPECT_EQ(import.type.kind, ExternKind::Function);
        EXPECT_EQ(import.type.function.parameters.size(), 1u);

        auto host = store.create_host_function({ i32_type, i32_type },
            [](HostCall& call, Span<const Value> arguments, Span<Value> results) -> ErrorOr {
                if (!call.caller_memory)
                    return Error::from(ErrorCode::Trap, "no caller memory");
                u8 byte = 0;
                TRY(call.caller_memory->read(arguments[0].as_i32(), Span<u8>(&byte, 1)));
                *static_cast<int*>(call.user_data) += 1;
                results[0] = Value::from_i32(byte + 1u);
                return {};
            },
            &calls);
        ASSERT_FALSE(host.is_error());
        Value result[1];
        Instance* instance = nullptr;
        ASSERT_NO_FATAL_FAILURE(call_f(store, module.value(), host.value(), result, &instance));
        EXPECT_EQ(result[0].as_i32(), 0x2Bu);
        auto memory = instance->find_export("mem");
        ASSERT_TRUE(memory.has_value());
        EXPECT_EQ(memory->as_memory()->page_count(), 1u);
        EXPECT_EQ(calls, 1);
    }
    EXPECT_EQ(allocator.live_allocations(), 0u);
}

// Slot host functions (the kernel's azoth.call) and invoke_i64 (its way back into a server).
TEST(WasmRuntime, SlotHostFunctionsAndInvokeI64)
{
    hosted::MallocAllocator allocator;
    {
        Store store(allocator);
        auto module = make_module(allocator, caller_memory_module());
        ASSERT_FALSE(module.is_error());
        auto read = [](HostCall& call, const u64* arguments, u64* results) -> ErrorOr {
            u8 byte = 0;
            TRY(call.caller_memory->read(static_cast<u32>(arguments[0]), Span<u8>(&byte, 1)));
            results[0] = 0xFFFF'FFFF'0000'0000ull | (byte + 1u); // the engine must drop the high half
            return {};
        };
        auto host = store.create_slot_host_function({ i32_type, i32_type }, read, nullptr);
        ASSERT_FALSE(host.is_error());
        Value result[1];
        ASSERT_NO_FATAL_FAILURE(call_f(store, module.value(), host.value(), result));
        EXPECT_EQ(result[0].raw_low(), 0x2Bu);

        // A host that cannot be given a reference to forge.
        constexpr ValueType funcref[] = { ValueType::FuncRef };
        constexpr ValueType v128[] = { ValueType::V128 };
        EXPECT_EQ(store.create_slot_host_function({ {}, funcref }, read, nullptr).error().code, ErrorCode::InvalidArgument);
        EXPECT_EQ(store.create_slot_host_function({ v128, {} }, read, nullptr).error().code, ErrorCode::InvalidArgument);
        EXPECT_EQ(store.create_slot_host_function({ i32_type, i32_type }, nullptr, nullptr).error().code, ErrorCode::InvalidArgument);

        constexpr ValueType two_i64[] = { ValueType::I64, ValueType::I64 };
        auto add = store.create_slot_host_function({ two_i64, Span<const ValueType>(two_i64, 1) },
            [](HostCall&, const u64* arguments, u64* results) -> ErrorOr {
                results[0] = arguments[0] + arguments[1];
                return {};
            },
            nullptr);
        ASSERT_FALSE(add.is_error());
        u64 in[2] = { 40, 2 };
        u64 out[2] = { 0, 0 };
        ASSERT_FALSE(store.invoke_i64(*add.value(), Span<const u64>(in, 2), Span<u64>(out, 1)).is_error());
        EXPECT_EQ(out[0], 42u);
        // Through the Value path too.
        Value values[2] = { Value::from_i64(5), Value::from_i64(6) };
        ASSERT_FALSE(store.invoke(*add.value(), values, result).is_error());
        EXPECT_EQ(result[0].as_i64(), 11u);
        // Wrong counts and non-i64 functions are refused.
        EXPECT_EQ(store.invoke_i64(*add.value(), Span<const u64>(in, 1), Span<u64>(out, 1)).error().code, ErrorCode::Invalid);
        EXPECT_EQ(store.invoke_i64(*add.value(), Span<const u64>(in, 2), Span<u64>(out, 2)).error().code, ErrorCode::Invalid);
        EXPECT_EQ(store.invoke_i64(*host.value(), Span<const u64>(in, 1), Span<u64>(out, 1)).error().code, ErrorCode::Invalid);
    }
    EXPECT_EQ(allocator.live_allocations(), 0u);
}

TEST(WasmRuntime, LinkErrors)
{
    hosted::MallocAllocator allocator;
    Store store(allocator);
    auto module = make_module(allocator, caller_memory_module());
    ASSERT_FALSE(module.is_error());
    // Missing import.
    auto missing = store.instantiate(module.value(), {});
    ASSERT_TRUE(missing.is_error());
    EXPECT_EQ(missing.error().code, ErrorCode::Unlinkable);
    // Wrong kind.
    auto global = store.create_global({ ValueType::I32, false }, Value::from_i32(1));
    ASSERT_FALSE(global.is_error());
    Extern wrong_kind[] = { Extern::from(global.value()) };
    auto kind = store.instantiate(module.value(), wrong_kind);
    ASSERT_TRUE(kind.is_error());
    EXPECT_STREQ(kind.error().reason, "incompatible import type");
    // Wrong signature.
    auto host = store.create_host_function({ {}, i32_type }, [](HostCall&, Span<const Value>, Span<Value> results) -> ErrorOr {
        results[0] = Value::from_i32(0);
        return {};
    }, nullptr);
    Extern wrong_type[] = { Extern::from(host.value()) };
    auto type = store.instantiate(module.value(), wrong_type);
    ASSERT_TRUE(type.is_error());
    EXPECT_EQ(type.error().code, ErrorCode::Unlinkable);
}

// Exports "div" (i32.div_u) and imports nothing.
ByteList divider_module()
{
    return cat({
        header(),
        section(1, vec({ function_type({ I32, I32 }, { I32 }) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(7, vec({ cat({ name("div"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body({ 0x00 }, { 0x20, 0x00, 0x20, 0x01, 0x6E }) })),
    });
}

// Imports "lib" "div" and exports "f" = div(a, b) + 1.
ByteList divider_client_module()
{
    return cat({
        header(),
        section(1, vec({ function_type({ I32, I32 }, { I32 }) })),
        section(2, vec({ cat({ name("lib"), name("div"), ByteList { 0x00, 0x00 } }) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x01 } }) })),
        section(10, vec({ body({ 0x00 }, { 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x41, 0x01, 0x6A }) })),
    });
}

TEST(WasmRuntime, CrossInstanceCallsAndTrapPropagation)
{
    hosted::MallocAllocator allocator;
    Store store(allocator);
    auto library = make_module(allocator, divider_module());
    auto client = make_module(allocator, divider_client_module());
    ASSERT_FALSE(library.is_error());
    ASSERT_FALSE(client.is_error());
    auto library_instance = store.instantiate(library.value(), {});
    ASSERT_FALSE(library_instance.is_error());
    Extern imports[] = { library_instance.value()->find_export("div").value() };
    auto client_instance = store.instantiate(client.value(), imports);
    ASSERT_FALSE(client_instance.is_error());
    Function& f = *client_instance.value()->find_export("f")->as_function();
    Value arguments[] = { Value::from_i32(84), Value::from_i32(2) };
    Value result[1];
    ASSERT_FALSE(store.invoke(f, arguments, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 43u);
    arguments[1] = Value::from_i32(0);
    auto outcome = store.invoke(f, arguments, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::IntegerDivideByZero);
}

TEST(WasmRuntime, HostTrapPropagates)
{
    hosted::MallocAllocator allocator;
    Store store(allocator);
    auto module = make_module(allocator, caller_memory_module());
    ASSERT_FALSE(module.is_error());
    auto host = store.create_host_function({ i32_type, i32_type }, [](HostCall&, Span<const Value>, Span<Value>) -> ErrorOr {
        return Error::from(ErrorCode::Trap, "host says no");
    }, nullptr);
    Extern imports[] = { Extern::from(host.value()) };
    auto instance = store.instantiate(module.value(), imports);
    ASSERT_FALSE(instance.is_error());
    Value result[1];
    auto outcome = store.invoke(*instance.value()->find_export("f")->as_function(), {}, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::HostTrap);
    EXPECT_STREQ(outcome.error().reason, "host says no");
}

TEST(WasmRuntime, PartialInitialisationStaysInImportedMemory)
{
    // (import "env" "mem" (memory 1)) (data (i32.const 0) "\01") (data (i32.const 65536) "\02")
    ByteList bytes = cat({
        header(),
        section(2, vec({ cat({ name("env"), name("mem"), ByteList { 0x02, 0x00, 0x01 } }) })),
        section(11, vec({ cat({ ByteList { 0x00, 0x41, 0x00, 0x0B }, name("\x01") }),
                        cat({ ByteList { 0x00, 0x41, 0x80, 0x80, 0x04, 0x0B }, name("\x02") }) })),
    });
    hosted::MallocAllocator allocator;
    Store store(allocator);
    auto module = make_module(allocator, bytes);
    ASSERT_FALSE(module.is_error());
    auto memory = store.create_memory({ { 1, {} } });
    ASSERT_FALSE(memory.is_error());
    Extern imports[] = { Extern::from(memory.value()) };
    auto instance = store.instantiate(module.value(), imports);
    ASSERT_TRUE(instance.is_error());
    EXPECT_EQ(instance.error().code, ErrorCode::Trap);
    EXPECT_EQ(trap_kind(instance.error()), TrapKind::OutOfBoundsMemoryAccess);
    u8 first = 0;
    ASSERT_FALSE(memory.value()->read(0, Span<u8>(&first, 1)).is_error());
    EXPECT_EQ(first, 1);
}

TEST(WasmRuntime, HostObjectsAccessors)
{
    hosted::MallocAllocator allocator;
    Store store(allocator);
    auto global = store.create_global({ ValueType::I64, true }, Value::from_i64(5));
    ASSERT_FALSE(global.is_error());
    EXPECT_FALSE(global.value()->set(Value::from_i64(7)).is_error());
    EXPECT_EQ(global.value()->get().as_i64(), 7u);
    EXPECT_TRUE(global.value()->set(Value::from_i32(7)).is_error());

    auto table = store.create_table({ ValueType::ExternRef, { 2, 4 } }, Value::null_ref(ValueType::ExternRef));
    ASSERT_FALSE(table.is_error());
    EXPECT_FALSE(table.value()->set(1, Value::from_extern(0)).is_error());
    auto element = table.value()->get(1);
    ASSERT_FALSE(element.is_error());
    EXPECT_FALSE(element.value().is_null_ref());
    EXPECT_EQ(element.value().as_extern(), 0u);
    EXPECT_TRUE(table.value()->get(0).value().is_null_ref());
    EXPECT_EQ(table.value()->grow(2, Value::null_ref(ValueType::ExternRef)).value(), 2u);
    EXPECT_TRUE(table.value()->grow(1, Value::null_ref(ValueType::ExternRef)).is_error());
    EXPECT_TRUE(table.value()->get(4).is_error());

    auto memory = store.create_memory({ { 0, 2 } });
    ASSERT_FALSE(memory.is_error());
    EXPECT_EQ(memory.value()->grow(1).value(), 0u);
    EXPECT_EQ(memory.value()->grow(1).value(), 1u);
    EXPECT_TRUE(memory.value()->grow(1).is_error());
    EXPECT_EQ(memory.value()->size_in_bytes(), 2 * Memory::page_size);
}

} // namespace
