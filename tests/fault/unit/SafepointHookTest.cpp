// Store::set_safepoint_hook: the scheduler's way to switch threads at a Wasm safepoint and resume.
#include <gtest/gtest.h>

#include <kernel/wasm/Runtime.h>
#include <kernel/platform/hosted/HostedSupport.h>

using namespace ath;
using namespace ath::wasm;

namespace {

// (func (export "spin") (param $n i32) (result i32) (local $i i32)
//   (loop (br_if 0 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
//   (local.get $i))
const u8 spin_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00,
    0x07, 0x08, 0x01, 0x04, 's', 'p', 'i', 'n', 0x00, 0x00,
    0x0a, 0x17, 0x01, 0x15, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00,
    0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b,
};

struct HookState {
    u32 calls { 0 };
    u32 abort_after { ~0u };
    volatile u32* flag { nullptr };
};

SafepointAction count_and_continue(void* context)
{
    auto* state = static_cast<HookState*>(context);
    ++state->calls;
    return state->calls > state->abort_after ? SafepointAction::Abort : SafepointAction::Continue;
}

struct Spin {
    hosted::MallocAllocator allocator;
    Store store { allocator };
    Function* spin { nullptr };
    volatile u32 flag { 0 };
    HookState state;

    Spin()
    {
        auto module = Module::create(allocator, ReadonlyBytes(spin_module, sizeof(spin_module)));
        EXPECT_FALSE(module.is_error());
        auto instance = store.instantiate(module.value(), {});
        EXPECT_FALSE(instance.is_error());
        spin = instance.value()->find_export("spin")->as_function();
    }

    // Points the Store's interrupt flag at `flag`, set to `raised`; with `hooked`, installs
    // count_and_continue (over `state`) as its safepoint hook.
    void interrupt(u32 raised, bool hooked = true)
    {
        flag = raised;
        store.set_interrupt_flag(&flag);
        if (hooked)
            store.set_safepoint_hook(count_and_continue, &state);
    }

    ErrorOr run(u32 n, u32& result)
    {
        Value arguments[] = { Value::from_i32(n) };
        Value results[1];
        auto outcome = store.invoke(*spin, arguments, results);
        result = results[0].as_i32();
        return outcome;
    }
};

// Runs spin for far more iterations than the hook allows: the run must trap Interrupted.
void expect_interrupted(Spin& spin)
{
    u32 result = 0;
    auto outcome = spin.run(1'000'000, result);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::Interrupted);
}

// Runs spin for `iterations`: the run must finish and count every one.
void expect_completes(Spin& spin, u32 iterations)
{
    u32 result = 0;
    ASSERT_FALSE(spin.run(iterations, result).is_error());
    EXPECT_EQ(result, iterations);
}

} // namespace

TEST(SafepointHook, ContinueResumesAtEveryBackEdge)
{
    Spin spin;
    spin.interrupt(1); // stays raised: the hook runs at every safepoint
    ASSERT_NO_FATAL_FAILURE(expect_completes(spin, 1000));
    // One safepoint per loop iteration (the loop header) plus the call into spin.
    EXPECT_GE(spin.state.calls, 1000u);
}

TEST(SafepointHook, AbortTrapsInterrupted)
{
    Spin spin;
    spin.state.abort_after = 10;
    spin.interrupt(1);
    ASSERT_NO_FATAL_FAILURE(expect_interrupted(spin));
    EXPECT_EQ(spin.state.calls, 11u);
}

TEST(SafepointHook, NotCalledWhileTheFlagIsDown)
{
    Spin spin;
    spin.interrupt(0);
    ASSERT_NO_FATAL_FAILURE(expect_completes(spin, 500));
    EXPECT_EQ(spin.state.calls, 0u);
}

TEST(SafepointHook, WithoutAHookTheFlagStillTraps)
{
    Spin spin;
    spin.interrupt(1, false);
    expect_interrupted(spin);
}
