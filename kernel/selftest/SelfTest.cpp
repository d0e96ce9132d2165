#include <kernel/arch/Arch.h>
#include <kernel/selftest/SelfTest.h>

extern "C" const ath::selftest::TestCase __selftests_start[];
extern "C" const ath::selftest::TestCase __selftests_end[];

namespace ath::selftest {

namespace {
char g_failure[256];

struct TestRun {
    const TestCase* test;
    ErrorOr result;
};

void run_one(void* context)
{
    auto* run = static_cast<TestRun*>(context);
    run->result = run->test->run();
}
} // namespace

char* failure_buffer() { return g_failure; }
usize failure_buffer_size() { return sizeof(g_failure); }

usize run_all()
{
    usize passed = 0;
    usize failed = 0;
    usize skipped = 0;
    for (const TestCase* test = __selftests_start; test != __selftests_end; ++test) {
        // A CPU fault the test did not expect fails that test instead of stopping the kernel.
        TestRun run { test, {} };
        auto fault = Arch::run_catching_faults(run_one, &run);
        if (fault.has_value()) {
            println("[FAIL] {}: unexpected {} at {:#x} (address {:#x})", test->name, fault_kind_name(fault->kind),
                    fault->instruction_address, fault->fault_address);
            ++failed;
        } else if (run.result.is_error() && run.result.error().code == ErrorCode::Unsupported) {
            println("[SKIP] {}: {}", test->name, run.result.error().reason);
            ++skipped;
        } else if (run.result.is_error()) {
            println("[FAIL] {}: {}", test->name, run.result.error().reason);
            ++failed;
        } else {
            println("[PASS] {}", test->name);
            ++passed;
        }
    }
    if (skipped)
        println("{} passed, {} failed, {} skipped", passed, failed, skipped);
    else
        println("{} passed, {} failed", passed, failed);
    return failed;
}

} // namespace ath::selftest
