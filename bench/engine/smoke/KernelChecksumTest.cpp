// Each benchmark kernel, at smoke size, must give the same checksum under Athanor's engine as
// the same C compiled to native code. This keeps the benchmark honest (a wrong result is never
// timed) and doubles as an end-to-end test of the engine on real clang output.
#include <kernel/wasm/Runtime.h>
#include <kernel/platform/hosted/HostedSupport.h>

#include <gtest/gtest.h>
#include <string>

using namespace ath;
using namespace ath::wasm;

#define BENCH_KERNEL(name) extern "C" unsigned kernel_##name##_run(void);
#include "KernelList.h"
#undef BENCH_KERNEL

namespace {

std::string describe(const Error& error)
{
    std::string text = std::string(error_code_name(error.code)) + ": " + (error.reason ? error.reason : "");
    if (error.has_offset())
        text += " at offset " + std::to_string(error.offset);
    return text;
}

void expect_engine_matches_native(const char* kernel, unsigned (*native_run)())
{
    std::string path = std::string(BENCH_SMOKE_WASM_DIR) + "/" + kernel + ".smoke.wasm";
    hosted::MallocAllocator allocator;
    {
        auto module = hosted::load_module_file(allocator, path.c_str());
        ASSERT_FALSE(module.is_error()) << path << ": " << describe(module.error());
        Store store(allocator);
        auto instance = store.instantiate(module.value(), {});
        ASSERT_FALSE(instance.is_error()) << describe(instance.error());
        auto exported = instance.value()->find_export("run");
        ASSERT_TRUE(exported.has_value() && exported->as_function()) << "no exported function `run`";
        Value results[1];
        auto outcome = store.invoke(*exported->as_function(), {}, results);
        ASSERT_FALSE(outcome.is_error()) << describe(outcome.error());
        EXPECT_EQ(results[0].type(), ValueType::I32);
        EXPECT_EQ(results[0].as_i32(), native_run()) << kernel << ": engine and native checksums differ";
    }
    EXPECT_EQ(allocator.live_allocations(), 0u) << "the engine leaked allocations";
}

} // namespace

#define BENCH_KERNEL(name) \
    TEST(EngineKernelChecksum, name) { expect_engine_matches_native(#name, kernel_##name##_run); }
#include "KernelList.h"
#undef BENCH_KERNEL
