#include "WasmBytes.h"

#include <gtest/gtest.h>

using namespace ath;
using namespace ath::wasm;
using namespace ath::wasm::test;

namespace {

// Instantiates a module without imports and calls export "f".
struct Harness {
    hosted::MallocAllocator allocator;
    Optional<Module> module;
    Store store { allocator };
    Instance* instance { nullptr };

    explicit Harness(const ByteList& bytes, StoreConfig config = {}) : store(allocator, config)
    {
        auto created = make_module(allocator, bytes);
        EXPECT_FALSE(created.is_error()) << (created.is_error() ? created.error().reason : "");
        if (created.is_error())
            return;
        module.emplace(created.release_value());
        auto instantiated = store.instantiate(module.value(), {});
        EXPECT_FALSE(instantiated.is_error());
        if (!instantiated.is_error())
            instance = instantiated.value();
    }

    Function& f() { return *instance->find_export("f").value().as_function(); }

    ErrorOr call(std::initializer_list<Value> arguments, Span<Value> results)
    {
        std::vector<Value> list(arguments);
        return store.invoke(f(), Span<const Value>(list.data(), list.size()), results);
    }
};

TEST(WasmInterpreter, AddsIntegers)
{
    Harness h(single_function_module({ I32, I32 }, { I32 }, { 0x20, 0x00, 0x20, 0x01, 0x6A }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(40), Value::from_i32(2) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 42u);
    ASSERT_FALSE(h.call({ Value::from_i32(0xFFFFFFFF), Value::from_i32(2) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 1u); // wraps
}

TEST(WasmInterpreter, DivideByZeroTraps)
{
    Harness h(single_function_module({ I32, I32 }, { I32 }, { 0x20, 0x00, 0x20, 0x01, 0x6D }));
    Value result[1];
    auto outcome = h.call({ Value::from_i32(1), Value::from_i32(0) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(outcome.error().code, ErrorCode::Trap);
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::IntegerDivideByZero);
    EXPECT_STREQ(outcome.error().reason, "integer divide by zero");
    // INT_MIN / -1 overflows.
    outcome = h.call({ Value::from_i32(0x80000000u), Value::from_i32(0xFFFFFFFFu) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::IntegerOverflow);
    // The store stays usable after a trap.
    ASSERT_FALSE(h.call({ Value::from_i32(9), Value::from_i32(3) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 3u);
}

TEST(WasmInterpreter, RecursiveFactorial)
{
    // (func (param i64) (result i64) local.get 0 i64.eqz if (result i64) i64.const 1 else
    //   local.get 0 local.get 0 i64.const 1 i64.sub call 0 i64.mul end)
    Harness h(single_function_module({ I64 }, { I64 },
        { 0x20, 0x00, 0x50, 0x04, I64, 0x42, 0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7D, 0x10, 0x00, 0x7E, 0x0B }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i64(20) }, result).is_error());
    EXPECT_EQ(result[0].as_i64(), 2432902008176640000ull);
}

TEST(WasmInterpreter, UnboundedRecursionIsATrapNotACrash)
{
    // (func call 0)
    StoreConfig config;
    config.max_call_depth = 500;
    Harness h(single_function_module({}, {}, { 0x10, 0x00 }), config);
    auto outcome = h.call({}, {});
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::CallStackExhausted);
    EXPECT_STREQ(outcome.error().reason, "call stack exhausted");
}

TEST(WasmInterpreter, ValueStackExhaustionTraps)
{
    // Each frame holds 1000 i64 locals; a small value stack runs out before the frame limit.
    StoreConfig config;
    config.value_stack_slots = 20000;
    ByteList locals = cat({ ByteList { 0x01 }, uleb(1000), ByteList { I64 } });
    Harness h(single_function_module({}, {}, { 0x10, 0x00 }, locals), config);
    auto outcome = h.call({}, {});
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::CallStackExhausted);
}

TEST(WasmInterpreter, FuelStopsAnInfiniteLoop)
{
    // (func (loop br 0))
    Harness h(single_function_module({}, {}, { 0x03, 0x40, 0x0C, 0x00, 0x0B }));
    h.store.set_fuel(1000);
    auto outcome = h.call({}, {});
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfFuel);
    EXPECT_EQ(h.store.fuel().value(), 0u);
}

TEST(WasmInterpreter, InterruptFlagStopsAnInfiniteLoop)
{
    Harness h(single_function_module({}, {}, { 0x03, 0x40, 0x0C, 0x00, 0x0B }));
    volatile u32 flag = 1;
    h.store.set_interrupt_flag(&flag);
    auto outcome = h.call({}, {});
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::Interrupted);
}

TEST(WasmInterpreter, BrTableSelectsTargets)
{
    // (func (param i32) (result i32) block block block local.get 0 br_table 0 1 2 end i32.const 10
    //  return end i32.const 11 return end i32.const 12)
    Harness h(single_function_module({ I32 }, { I32 },
        { 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20, 0x00, 0x0E, 0x02, 0x00, 0x01, 0x02, 0x0B, 0x41, 0x0A, 0x0F, 0x0B,
            0x41, 0x0B, 0x0F, 0x0B, 0x41, 0x0C }));
    Value result[1];
    u32 expected[] = { 10, 11, 12, 12, 12 };
    for (u32 i = 0; i < 5; ++i) {
        ASSERT_FALSE(h.call({ Value::from_i32(i) }, result).is_error());
        EXPECT_EQ(result[0].as_i32(), expected[i]) << "index " << i;
    }
}

TEST(WasmInterpreter, MemoryBoundsAreChecked)
{
    // (memory 1) (func (param i32) (result i32) local.get 0 i32.load)
    ByteList bytes = cat({
        header(),
        section(1, vec({ function_type({ I32 }, { I32 }) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(5, vec({ ByteList { 0x00, 0x01 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body({ 0x00 }, { 0x20, 0x00, 0x28, 0x02, 0x00 }) })),
        section(11, vec({ cat({ ByteList { 0x00, 0x41, 0x08, 0x0B }, name("\x01\x02\x03\x04") }) })),
    });
    Harness h(bytes);
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(8) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x04030201u);
    ASSERT_FALSE(h.call({ Value::from_i32(65532) }, result).is_error());
    auto outcome = h.call({ Value::from_i32(65533) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
    outcome = h.call({ Value::from_i32(0xFFFFFFFF) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

TEST(WasmInterpreter, FloatMinMaxAndNearestFollowWasm)
{
    // f32.min(-0, +0) is -0; f32.nearest(2.5) is 2.
    Harness min(single_function_module({ F32, F32 }, { F32 }, { 0x20, 0x00, 0x20, 0x01, 0x96 }));
    Value result[1];
    ASSERT_FALSE(min.call({ Value::from_f32_bits(0x00000000), Value::from_f32_bits(0x80000000) }, result).is_error());
    EXPECT_EQ(result[0].as_f32_bits(), 0x80000000u);
    ASSERT_FALSE(min.call({ Value::from_f32_bits(0x7FA00000), Value::from_f32_bits(0x3F800000) }, result).is_error());
    EXPECT_EQ(result[0].as_f32_bits() & 0x7FC00000u, 0x7FC00000u); // a quiet NaN
    Harness nearest(single_function_module({ F32 }, { F32 }, { 0x20, 0x00, 0x90 }));
    ASSERT_FALSE(nearest.call({ Value::from_f32_bits(0x40200000) }, result).is_error()); // 2.5
    EXPECT_EQ(result[0].as_f32_bits(), 0x40000000u);                                       // 2.0
}

TEST(WasmInterpreter, SimdAddsLanes)
{
    // (func (param v128 v128) (result v128) local.get 0 local.get 1 i32x4.add)
    Harness h(single_function_module({ V128T, V128T }, { V128T }, { 0x20, 0x00, 0x20, 0x01, 0xFD, 0xAE, 0x01 }));
    V128 a {}, b {};
    for (int i = 0; i < 16; ++i) {
        a.bytes[i] = static_cast<u8>(i);
        b.bytes[i] = 0x10;
    }
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_v128(a), Value::from_v128(b) }, result).is_error());
    V128 sum = result[0].as_v128();
    EXPECT_EQ(sum.bytes[0], 0x10);
    EXPECT_EQ(sum.bytes[4], 0x14);
    EXPECT_EQ(sum.bytes[15], 0x1F);
}

} // namespace

namespace {

// Regression: the fused store forms (value from a local, address from the stack or a local).
TEST(WasmInterpreter, StoresWithOperandsFromLocals)
{
    // (memory 1) (func (param i32 i32) (result i32)
    //   i32.const 8 local.get 1 i32.store8          ;; address on the stack, value in a local
    //   local.get 0 local.get 1 i32.store offset=16 ;; both in locals
    //   i32.const 8 i32.load8_u local.get 0 i32.load offset=16 i32.add)
    ByteList bytes = cat({
        header(),
        section(1, vec({ function_type({ I32, I32 }, { I32 }) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(5, vec({ ByteList { 0x00, 0x01 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body({ 0x00 }, { 0x41, 0x08, 0x20, 0x01, 0x3A, 0x00, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x10,
                                             0x41, 0x08, 0x2D, 0x00, 0x00, 0x20, 0x00, 0x28, 0x02, 0x10, 0x6A }) })),
    });
    Harness h(bytes);
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(100), Value::from_i32(0x1234) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x34u + 0x1234u);
    auto outcome = h.call({ Value::from_i32(65530), Value::from_i32(1) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

} // namespace

namespace {

// Regression: a value-less branch out of a deeper stack must still reset the stack height, or a
// loop leaks one slot per iteration (past the value stack with enough iterations).
TEST(WasmInterpreter, BackEdgeDiscardsValuesBelowTheLabel)
{
    // (func (result i32) (local i32) (loop i32.const 7 local.get 0 i32.const 1 i32.add local.tee 0
    //   i32.const 100000 i32.ne br_if 0 drop) local.get 0)
    StoreConfig config;
    config.value_stack_slots = 1000;
    ByteList code = { 0x03, 0x40, 0x41, 0x07, 0x20, 0x00, 0x41, 0x01, 0x6A, 0x22, 0x00, 0x41, 0xA0, 0x8D, 0x06, 0x47, 0x0D, 0x00,
        0x1A, 0x0B, 0x20, 0x00 };
    Harness h(single_function_module({}, { I32 }, code, { 0x01, 0x01, I32 }), config);
    Value result[1];
    ASSERT_FALSE(h.call({}, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 100000u);
}

} // namespace

namespace {

// The operand forms taken from a local.get or tee further down the stack (LS), from a load at a
// local address (SM), and stores with the address from a local and the value on the stack (LS).
TEST(WasmInterpreter, OperandsFromEarlierLocalGetsAndTees)
{
    // (func (param $a i32) (param $b i32) (result i32) (local $t i32)
    //   a - b*3                       ;; a's local.get is taken into the subtraction (SubLS)
    //   ((a+1) tee t) - (b << 2) + t  ;; the tee becomes a plain store to t
    //   + ... a; (local.set 0 b); a - (b+1)   ;; a was overwritten after its local.get: stays on the stack
    ByteList code = { 0x20, 0x00, 0x20, 0x01, 0x41, 0x03, 0x6C, 0x6B,
        0x20, 0x00, 0x41, 0x01, 0x6A, 0x22, 0x02, 0x20, 0x01, 0x41, 0x02, 0x74, 0x6B, 0x20, 0x02, 0x6A, 0x6A,
        0x20, 0x00, 0x20, 0x01, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6A, 0x6B, 0x6A };
    Harness h(single_function_module({ I32, I32 }, { I32 }, code, { 0x01, 0x01, I32 }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(100), Value::from_i32(7) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 4u * 100u - 8u * 7u + 1u);
    ASSERT_FALSE(h.call({ Value::from_i32(1), Value::from_i32(1000) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), static_cast<u32>(4 - 8000 + 1));
}

ByteList memory_module(ByteList parameters, ByteList results, ByteList instructions)
{
    return cat({
        header(),
        section(1, vec({ function_type(parameters, results) })),
        section(3, vec({ ByteList { 0x00 } })),
        section(5, vec({ ByteList { 0x00, 0x01 } })),
        section(7, vec({ cat({ name("f"), ByteList { 0x00, 0x00 } }) })),
        section(10, vec({ body({ 0x00 }, instructions) })),
    });
}

TEST(WasmInterpreter, MemoryOperandsAndStoresFromLocalAddresses)
{
    // (func (param $a i32) (param $b i32) (param $p i32) (result i32)
    //   (i32.store offset=4 (local.get $p) (i32.mul (local.get $a) (i32.const 5)))   ;; StoreLS
    //   (i32.sub (local.get $b) (i32.load offset=4 (local.get $p))))                  ;; SubSM
    Harness h(memory_module({ I32, I32, I32 }, { I32 },
        { 0x20, 0x02, 0x20, 0x00, 0x41, 0x05, 0x6C, 0x36, 0x02, 0x04, 0x20, 0x01, 0x20, 0x02, 0x28, 0x02, 0x04, 0x6B }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(3), Value::from_i32(100), Value::from_i32(40) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 85u);
    ASSERT_FALSE(h.call({ Value::from_i32(3), Value::from_i32(100), Value::from_i32(65528) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 85u);
    auto outcome = h.call({ Value::from_i32(3), Value::from_i32(100), Value::from_i32(65529) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

TEST(WasmInterpreter, FloatOperandsFromLocalsAndMemory)
{
    // (func (param $p i32) (param $x f64) (param $y f64) (result f64)
    //   (f64.store (local.get $p) (local.get $x))
    //   (f64.mul (local.get $y) (f64.load (local.get $p)))                 ;; MulSM
    //   (f64.sub (local.get $x) (f64.mul (local.get $y) (f64.const 2)))    ;; SubLS
    //   f64.add
    //   (f64.store offset=8 (local.get $p) (f64.sub (local.get $x) (local.get $y)))   ;; StoreLS
    //   (f64.add (f64.load offset=8 (local.get $p))))                      ;; AddSM
    ByteList code = { 0x20, 0x00, 0x20, 0x01, 0x39, 0x03, 0x00,
        0x20, 0x02, 0x20, 0x00, 0x2B, 0x03, 0x00, 0xA2,
        0x20, 0x01, 0x20, 0x02, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0xA2, 0xA1,
        0xA0,
        0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xA1, 0x39, 0x03, 0x08,
        0x20, 0x00, 0x2B, 0x03, 0x08, 0xA0 };
    Harness h(memory_module({ I32, F64, F64 }, { F64 }, code));
    Value result[1];
    auto bits = [](f64 value) { return __builtin_bit_cast(u64, value); };
    ASSERT_FALSE(h.call({ Value::from_i32(64), Value::from_f64_bits(bits(1.5)), Value::from_f64_bits(bits(0.25)) }, result).is_error());
    EXPECT_EQ(result[0].as_f64_bits(), bits(1.5 * 0.25 + 2 * 1.5 - 3 * 0.25));
    auto outcome = h.call({ Value::from_i32(65528), Value::from_f64_bits(bits(1.5)), Value::from_f64_bits(bits(0.25)) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

} // namespace

namespace {

// Loads whose address is an i32.add (fused into the load): the sum wraps at 32 bits before the
// offset is added, as in Wasm.
TEST(WasmInterpreter, LoadsFromAddedAddressesWrapLikeI32Add)
{
    // (func (param $a i32) (param $b i32) (result i32)
    //   (i32.store (i32.const 20) (i32.const 0x11223344))
    //   (i32.load offset=4 (i32.add (local.get $a) (local.get $b)))                          ;; LL
    //   (i32.load16_u (i32.add (local.get $b) (i32.const -12))) i32.add                       ;; LC
    //   (i32.load8_u offset=5 (i32.add (i32.mul $a 1) (i32.mul $b 1))) i32.add)                ;; SS
    Harness h(memory_module({ I32, I32 }, { I32 },
        { 0x41, 0x14, 0x41, 0xC4, 0xE6, 0x88, 0x89, 0x01, 0x36, 0x02, 0x00,
            0x20, 0x00, 0x20, 0x01, 0x6A, 0x28, 0x02, 0x04,
            0x20, 0x01, 0x41, 0x74, 0x6A, 0x2F, 0x01, 0x00, 0x6A,
            0x20, 0x00, 0x41, 0x01, 0x6C, 0x20, 0x01, 0x41, 0x01, 0x6C, 0x6A, 0x2D, 0x00, 0x05, 0x6A }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(0xFFFFFFF0u), Value::from_i32(0x20) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x11223344u + 0x3344u + 0x33u);
    auto outcome = h.call({ Value::from_i32(0), Value::from_i32(65533) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

} // namespace

namespace {

// Stores with a constant value (address on the stack or in a local) and stores whose address is
// an i32.add with the value in a local or a constant (the add's sum wraps at 32 bits).
TEST(WasmInterpreter, StoresWithConstantValuesAndAddedAddresses)
{
    // (func (param $a i32) (param $b i32) (result i32)
    //   (i32.store8 (i32.mul $b 1) (i32.const 0x1AB))                 ;; SC: stores 0xAB at b
    //   (i32.store16 offset=2 (local.get $b) (i32.const 0x4321))       ;; LC: at b+2
    //   (i32.store8 offset=4 (i32.add $a $b) (local.get $b))           ;; ALLL: at a+b+4
    //   (i32.store8 offset=1 (i32.add (local.get $b) (i32.const 4)) (i32.const 0x77))  ;; ALCC: at b+5
    //   (i32.load offset=0 (local.get $b)) (i32.load offset=4 (local.get $b)) i32.xor)
    Harness h(memory_module({ I32, I32 }, { I32 },
        { 0x20, 0x01, 0x41, 0x01, 0x6C, 0x41, 0xAB, 0x03, 0x3A, 0x00, 0x00,
            0x20, 0x01, 0x41, 0xA1, 0x86, 0x01, 0x3B, 0x01, 0x02,
            0x20, 0x00, 0x20, 0x01, 0x6A, 0x20, 0x01, 0x3A, 0x00, 0x04,
            0x20, 0x01, 0x41, 0x04, 0x6A, 0x41, 0xF7, 0x00, 0x3A, 0x00, 0x01,
            0x20, 0x01, 0x28, 0x02, 0x00, 0x20, 0x01, 0x28, 0x02, 0x04, 0x73 }));
    Value result[1];
    // a = 2^32 - 32 and b = 48: a + b wraps to 16, so the third store lands at 20 (outside b's words).
    ASSERT_FALSE(h.call({ Value::from_i32(0xFFFFFFE0u), Value::from_i32(48) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x432100ABu ^ 0x00007700u);
    // a = 0: the third store writes b's low byte (0x30 = 48) at b+4.
    ASSERT_FALSE(h.call({ Value::from_i32(0), Value::from_i32(48) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x432100ABu ^ 0x00007730u);
    auto outcome = h.call({ Value::from_i32(0), Value::from_i32(65534) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

} // namespace

namespace {

// `local.get p ... local.get p; i32.load o; i32.op; i32.store o` updates the memory in place (SMW):
// operand order, traps (memory unchanged), and a store to another offset that must not join.
TEST(WasmInterpreter, InPlaceMemoryUpdates)
{
    // (func (param $p i32) (param $v i32) (result i32)
    //   (i32.store offset=8 $p (i32.const 100))
    //   (i32.store offset=8 $p (i32.sub $v (i32.load offset=8 $p)))      ;; m8 = v - 100
    //   (i32.store offset=8 $p (i32.div_u $v (i32.load offset=8 $p)))    ;; m8 = v / m8 (traps on 0)
    //   (i32.store offset=12 $p (i32.add $v (i32.load offset=8 $p)))     ;; m12 = v + m8
    //   (i32.add (i32.mul (i32.load offset=8 $p) (i32.const 1000)) (i32.load offset=12 $p)))
    Harness h(memory_module({ I32, I32 }, { I32 },
        { 0x20, 0x00, 0x41, 0xE4, 0x00, 0x36, 0x02, 0x08,
            0x20, 0x00, 0x20, 0x01, 0x20, 0x00, 0x28, 0x02, 0x08, 0x6B, 0x36, 0x02, 0x08,
            0x20, 0x00, 0x20, 0x01, 0x20, 0x00, 0x28, 0x02, 0x08, 0x6E, 0x36, 0x02, 0x08,
            0x20, 0x00, 0x20, 0x01, 0x20, 0x00, 0x28, 0x02, 0x08, 0x6A, 0x36, 0x02, 0x0C,
            0x20, 0x00, 0x28, 0x02, 0x08, 0x41, 0xE8, 0x07, 0x6C, 0x20, 0x00, 0x28, 0x02, 0x0C, 0x6A }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(64), Value::from_i32(150) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 3u * 1000u + 153u);
    auto outcome = h.call({ Value::from_i32(64), Value::from_i32(100) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::IntegerDivideByZero);
    // p + 8 = 65532: every access to m8 fits; the store to m12 is out of bounds.
    outcome = h.call({ Value::from_i32(65524), Value::from_i32(1) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

} // namespace

namespace {

// Conditions straight from a local (`local.get; br_if`, with `i32.eqz` between, and `if`); the
// backward one still polls fuel.
TEST(WasmInterpreter, BranchesOnLocals)
{
    // (func (param $n i32) (result i32) (local $acc i32)
    //   (block (loop (br_if 1 (i32.eqz (local.get $n)))
    //     (local.set $acc (i32.add $acc $n)) (local.set $n (i32.sub $n 1)) (br_if 0 (local.get $n))))
    //   (i32.add (local.get $acc) (if (result i32) (local.get $acc) (then i32.const 1) (else i32.const 2))))
    ByteList code = { 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0D, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6A, 0x21, 0x01,
        0x20, 0x00, 0x41, 0x01, 0x6B, 0x21, 0x00, 0x20, 0x00, 0x0D, 0x00, 0x0B, 0x0B,
        0x20, 0x01, 0x20, 0x01, 0x04, 0x7F, 0x41, 0x01, 0x05, 0x41, 0x02, 0x0B, 0x6A };
    Harness h(single_function_module({ I32 }, { I32 }, code, { 0x01, 0x01, I32 }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(10) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 56u);
    ASSERT_FALSE(h.call({ Value::from_i32(0) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 2u);
    h.store.set_fuel(1000);
    auto outcome = h.call({ Value::from_i32(0xFFFFFFFFu) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfFuel);
}

} // namespace

namespace {

// Scaled-index loads: `local.get i; i32.const k; i32.shl` + a local or constant base + the load,
// with the shift count masked to 5 bits and the address wrapping at 32 bits before the offset.
TEST(WasmInterpreter, ScaledIndexLoads)
{
    // (func (param $i i32) (param $b i32) (result i32)
    //   (i32.store (i32.const 40) (i32.const 0x01020304))
    //   (i32.load (i32.add (i32.shl $i 2) (i32.const 24)))                 ;; constant base
    //   (i32.load8_u offset=1 (i32.add (local.get $b) (i32.shl $i 34)))    ;; local base first
    //   (i32.load16_u offset=2 (i32.add (i32.shl $i 2) (local.get $b)))    ;; local base second
    //   i32.add i32.add)
    Harness h(memory_module({ I32, I32 }, { I32 },
        { 0x41, 0x28, 0x41, 0x84, 0x86, 0x88, 0x08, 0x36, 0x02, 0x00,
            0x20, 0x00, 0x41, 0x02, 0x74, 0x41, 0x18, 0x6A, 0x28, 0x02, 0x00,
            0x20, 0x01, 0x20, 0x00, 0x41, 0x22, 0x74, 0x6A, 0x2D, 0x00, 0x01,
            0x20, 0x00, 0x41, 0x02, 0x74, 0x20, 0x01, 0x6A, 0x2F, 0x01, 0x02, 0x6A, 0x6A }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(4), Value::from_i32(24) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x01020304u + 0x03u + 0x0102u);
    // i << 2 wraps to 16.
    ASSERT_FALSE(h.call({ Value::from_i32(0x40000004u), Value::from_i32(24) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 0x01020304u + 0x03u + 0x0102u);
    auto outcome = h.call({ Value::from_i32(16383), Value::from_i32(24) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfBoundsMemoryAccess);
}

} // namespace

namespace {

// Loop steps: `i += c (local or constant); local.tee; compare with a local or constant; br_if`
// and `i -= 1; local.tee; br_if` run as one instruction each, and still poll fuel backwards.
TEST(WasmInterpreter, LoopStepsCountAndPoll)
{
    // (func (param $n i32) (param $step i32) (result i32) (local $i i32) (local $count i32) (local $saved i32)
    //   (loop (count++) (br_if 0 (i32.lt_u (local.tee $i (i32.add $i (i32.const 3))) (local.get $n))))
    //   (local.set $saved $i) (local.set $i 0)
    //   (loop (count++) (br_if 0 (i32.ne (local.tee $i (i32.add $i $step)) (i32.const 20))))
    //   (local.set $i 5)
    //   (loop (count++) (br_if 0 (local.tee $i (i32.sub $i (i32.const 1)))))
    //   (i32.add (i32.mul $count 1000) $saved))
    ByteList code = { 0x03, 0x40, 0x20, 0x03, 0x41, 0x01, 0x6A, 0x21, 0x03,
        0x20, 0x02, 0x41, 0x03, 0x6A, 0x22, 0x02, 0x20, 0x00, 0x49, 0x0D, 0x00, 0x0B,
        0x20, 0x02, 0x21, 0x04, 0x41, 0x00, 0x21, 0x02,
        0x03, 0x40, 0x20, 0x03, 0x41, 0x01, 0x6A, 0x21, 0x03,
        0x20, 0x02, 0x20, 0x01, 0x6A, 0x22, 0x02, 0x41, 0x14, 0x47, 0x0D, 0x00, 0x0B,
        0x41, 0x05, 0x21, 0x02,
        0x03, 0x40, 0x20, 0x03, 0x41, 0x01, 0x6A, 0x21, 0x03,
        0x20, 0x02, 0x41, 0x01, 0x6B, 0x22, 0x02, 0x0D, 0x00, 0x0B,
        0x20, 0x03, 0x41, 0xE8, 0x07, 0x6C, 0x20, 0x04, 0x6A };
    Harness h(single_function_module({ I32, I32 }, { I32 }, code, { 0x01, 0x03, I32 }));
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(10), Value::from_i32(4) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), (4u + 5u + 5u) * 1000u + 12u);
    ASSERT_FALSE(h.call({ Value::from_i32(0), Value::from_i32(10) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), (1u + 2u + 5u) * 1000u + 3u);
    h.store.set_fuel(1000);
    auto outcome = h.call({ Value::from_i32(10), Value::from_i32(0) }, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfFuel);
}

} // namespace

namespace {

// A tee of a local.get or constant becomes a copy/constant store plus a fresh local.get/constant
// that later operations fold in; `x - c` runs as `x + (-c)` (i32 and i64, wrapping).
TEST(WasmInterpreter, TeesOfLocalsAndConstantsAndSubtractedConstants)
{
    // (func (param $a i32) (param $b i32) (result i32) (local $t i32) (local $u i32)
    //   (i32.sub (local.tee $t (local.get $a)) (i32.const 5))
    //   (i32.sub (local.tee $u (i32.const 7)) (local.get $b)) i32.add
    //   (local.set $a (i32.const 1000))
    //   (i32.sub (local.get $t) (i32.const -3)) i32.add
    //   (i32.mul (local.get $t) (local.get $u)) i32.add
    //   (i32.wrap_i64 (i64.sub (i64.extend_i32_u (local.get $b)) (i64.const 9))) i32.add
    //   (i32.add (local.get $a)))
    ByteList code = { 0x20, 0x00, 0x22, 0x02, 0x41, 0x05, 0x6B, 0x41, 0x07, 0x22, 0x03, 0x20, 0x01, 0x6B, 0x6A,
        0x41, 0xE8, 0x07, 0x21, 0x00, 0x20, 0x02, 0x41, 0x7D, 0x6B, 0x6A, 0x20, 0x02, 0x20, 0x03, 0x6C, 0x6A,
        0x20, 0x01, 0xAD, 0x42, 0x09, 0x7D, 0xA7, 0x6A, 0x20, 0x00, 0x6A };
    Harness h(single_function_module({ I32, I32 }, { I32 }, code, { 0x01, 0x02, I32 }));
    Value result[1];
    auto expected = [](u32 a, u32 b) {
        u32 t = a, u = 7;
        return (t - 5) + (u - b) + (t + 3) + t * u + static_cast<u32>(static_cast<u64>(b) - 9) + 1000;
    };
    ASSERT_FALSE(h.call({ Value::from_i32(100), Value::from_i32(7) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), expected(100, 7));
    ASSERT_FALSE(h.call({ Value::from_i32(5), Value::from_i32(20) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), expected(5, 20));
}

// `x[i] += a * b` in f64 and f32 runs as one multiply-add update (multiply operands from the
// stack, a local and a load, or two locals); the product is rounded before the add.
TEST(WasmInterpreter, MultiplyAddUpdatesOfMemory)
{
    // (func (param $p i32) (param $x f64) (param $y f64) (param $fx f32) (result f64)
    //   m0 = 1.5; m8 = 0.25; m16 = 3.0f
    //   (f64.store $p (f64.add (f64.mul $x (f64.load (i32.add $p 8))) (f64.load $p)))
    //   (f64.store offset=8 $p (f64.add (f64.mul (f64.add $x $y) (f64.sub $x $y)) (f64.load offset=8 $p)))
    //   (f32.store offset=16 $p (f32.add (f32.mul $fx $fx) (f32.load offset=16 $p)))
    //   (f64.add (f64.add (f64.load $p) (f64.load offset=8 $p)) (f64.promote_f32 (f32.load offset=16 $p))))
    ByteList code = { 0x20, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, 0x39, 0x03, 0x00,
        0x20, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xD0, 0x3F, 0x39, 0x03, 0x08,
        0x20, 0x00, 0x43, 0x00, 0x00, 0x40, 0x40, 0x38, 0x02, 0x10,
        0x20, 0x00, 0x20, 0x01, 0x20, 0x00, 0x41, 0x08, 0x6A, 0x2B, 0x03, 0x00, 0xA2, 0x20, 0x00, 0x2B, 0x03, 0x00, 0xA0, 0x39, 0x03, 0x00,
        0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xA0, 0x20, 0x01, 0x20, 0x02, 0xA1, 0xA2, 0x20, 0x00, 0x2B, 0x03, 0x08, 0xA0, 0x39, 0x03, 0x08,
        0x20, 0x00, 0x20, 0x03, 0x20, 0x03, 0x94, 0x20, 0x00, 0x2A, 0x02, 0x10, 0x92, 0x38, 0x02, 0x10,
        0x20, 0x00, 0x2B, 0x03, 0x00, 0x20, 0x00, 0x2B, 0x03, 0x08, 0xA0, 0x20, 0x00, 0x2A, 0x02, 0x10, 0xBB, 0xA0 };
    Harness h(memory_module({ I32, F64, F64, F32 }, { F64 }, code));
    Value result[1];
    auto bits = [](f64 value) { return __builtin_bit_cast(u64, value); };
    auto run = [&](f64 x, f64 y, f32 fx) {
        return h.call({ Value::from_i32(64), Value::from_f64_bits(bits(x)), Value::from_f64_bits(bits(y)),
                          Value::from_f32_bits(__builtin_bit_cast(u32, fx)) },
            result);
    };
    auto expected = [](f64 x, f64 y, f32 fx) {
        volatile f64 m0 = 1.5, m8 = 0.25;
        volatile f32 m16 = 3.0f;
        volatile f64 p0 = x * 0.25;
        m0 = p0 + m0;
        volatile f64 p8 = (x + y) * (x - y);
        m8 = p8 + m8;
        volatile f32 p16 = fx * fx;
        m16 = p16 + m16;
        return (m0 + m8) + static_cast<f64>(m16);
    };
    ASSERT_FALSE(run(2.0, 0.5, 1.5f).is_error());
    EXPECT_EQ(result[0].as_f64_bits(), bits(expected(2.0, 0.5, 1.5f)));
    // Values whose products round.
    ASSERT_FALSE(run(1.0 + 0x1p-30, 0x1p-31, 1.0f + 0x1p-12f).is_error());
    EXPECT_EQ(result[0].as_f64_bits(), bits(expected(1.0 + 0x1p-30, 0x1p-31, 1.0f + 0x1p-12f)));
}

// Bitwise operations and adds whose second operand is a shifted or rotated local (count masked
// to 5 bits), pushed, stored to a local or teed.
TEST(WasmInterpreter, ShiftedOperands)
{
    // (func (param $a i32) (param $b i32) (result i32) (local $t i32)
    //   (i32.xor (i32.add $a 1) (i32.rotl $b 7)) (i32.shr_u $b 35) i32.add
    //   (i32.shl $b 4) i32.or (i32.rotr $b 9) i32.and
    //   (local.set $t (i32.xor (i32.mul $a 3) (i32.shr_u $b 8)))
    //   (i32.add (local.get $t))
    //   (i32.add (local.tee $a (i32.or (i32.mul $a 5) (i32.shl $b 2))) (local.get $a)) i32.add)
    ByteList code = { 0x20, 0x00, 0x41, 0x01, 0x6A, 0x20, 0x01, 0x41, 0x07, 0x77, 0x73, 0x20, 0x01, 0x41, 0x23, 0x76, 0x6A,
        0x20, 0x01, 0x41, 0x04, 0x74, 0x72, 0x20, 0x01, 0x41, 0x09, 0x78, 0x71,
        0x20, 0x00, 0x41, 0x03, 0x6C, 0x20, 0x01, 0x41, 0x08, 0x76, 0x73, 0x21, 0x02,
        0x20, 0x02, 0x6A,
        0x20, 0x00, 0x41, 0x05, 0x6C, 0x20, 0x01, 0x41, 0x02, 0x74, 0x72, 0x22, 0x00, 0x20, 0x00, 0x6A, 0x6A };
    Harness h(single_function_module({ I32, I32 }, { I32 }, code, { 0x01, 0x01, I32 }));
    auto rotl = [](u32 v, u32 c) { return (v << (c & 31)) | (v >> ((32 - (c & 31)) & 31)); };
    auto expected = [&](u32 a, u32 b) {
        u32 value = (((a + 1) ^ rotl(b, 7)) + (b >> 3) | (b << 4)) & rotl(b, 32 - 9);
        u32 t = (a * 3) ^ (b >> 8);
        u32 teed = (a * 5) | (b << 2);
        return value + t + (teed + teed);
    };
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(0x12345678u), Value::from_i32(0x9ABCDEF1u) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), expected(0x12345678u, 0x9ABCDEF1u));
    ASSERT_FALSE(h.call({ Value::from_i32(0xFFFFFFFFu), Value::from_i32(0x80000001u) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), expected(0xFFFFFFFFu, 0x80000001u));
}

// Loop steps whose bound is the compare's first operand (`n > (i += 3)`, `m < (j += -1)`): the
// compare is swapped, keeping its signedness.
TEST(WasmInterpreter, LoopStepsWithTheBoundFirst)
{
    // (func (param $n i32) (param $m i32) (result i32) (local $i i32) (local $j i32) (local $count i32)
    //   (loop (count++) (br_if 0 (i32.gt_u $n (local.tee $i (i32.add $i 3)))))
    //   (loop (count++) (br_if 0 (i32.lt_s $m (local.tee $j (i32.add $j -1)))))
    //   (i32.add (i32.mul $count 1000) (i32.add $i (i32.sub 0 $j))))
    ByteList code = { 0x03, 0x40, 0x20, 0x04, 0x41, 0x01, 0x6A, 0x21, 0x04, 0x20, 0x00, 0x20, 0x02, 0x41, 0x03, 0x6A, 0x22, 0x02,
        0x4B, 0x0D, 0x00, 0x0B, 0x03, 0x40, 0x20, 0x04, 0x41, 0x01, 0x6A, 0x21, 0x04, 0x20, 0x01, 0x20, 0x03, 0x41, 0x7F, 0x6A,
        0x22, 0x03, 0x48, 0x0D, 0x00, 0x0B, 0x20, 0x04, 0x41, 0xE8, 0x07, 0x6C, 0x20, 0x02, 0x41, 0x00, 0x20, 0x03, 0x6B, 0x6A, 0x6A };
    Harness h(single_function_module({ I32, I32 }, { I32 }, code, { 0x01, 0x03, I32 }));
    h.store.set_fuel(1000000); // a wrong compare may loop about 2^31 times: stop it early
    Value result[1];
    ASSERT_FALSE(h.call({ Value::from_i32(10), Value::from_i32(static_cast<u32>(-5)) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 9u * 1000u + 12u + 5u);
    // Signed: 2 < -1 is false at once (unsigned, it would run until j = 2).
    ASSERT_FALSE(h.call({ Value::from_i32(10), Value::from_i32(2) }, result).is_error());
    EXPECT_EQ(result[0].as_i32(), 5u * 1000u + 12u + 1u);
}

} // namespace
