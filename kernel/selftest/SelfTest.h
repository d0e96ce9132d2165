#pragma once

// In-kernel self-tests, run by the `selftest` command-line word. Tests register themselves with
// ATH_SELFTEST(name) in any kernel file; the linker gathers them (section .athanor_selftests.*,
// sorted by name). The list is generic: anything arch-specific goes through the arch interface,
// so the same tests run on every port.
#include <kernel/lib/Format.h>
#include <kernel/lib/Result.h>

namespace ath::selftest {

struct TestCase {
    const char* name;
    ErrorOr (*run)();
};

// Runs every registered test; prints `[PASS] name` / `[FAIL] name: reason` / `[SKIP] name: reason`
// and the summary line (`N passed, M failed`, then `, K skipped` when some were). Returns the
// number of failures.
//
// A test skips by returning an Unsupported error (skip() below, or an Arch self-test hook's): the
// machine lacks what it tests (the usermode port has no UART, no device interrupt, no firmware
// tables). The machine ports' boot tests require that nothing is skipped there.
usize run_all();

// A failure with a formatted reason (kept in a static buffer until the next failure).
template<typename... Args>
Error failure(StringView format_string, const Args&... args);

inline Error skip(const char* reason) { return Error::from(ErrorCode::Unsupported, reason); }

char* failure_buffer();
usize failure_buffer_size();

template<typename... Args>
Error failure(StringView format_string, const Args&... args)
{
    format_to(Span<char>(failure_buffer(), failure_buffer_size()), format_string, args...);
    return Error::from(ErrorCode::Invalid, failure_buffer());
}

} // namespace ath::selftest

#define ATH_SELFTEST(test_name)                                                                               \
    static ::ath::ErrorOr selftest_body_##test_name();                                                        \
    [[gnu::used, gnu::section(".athanor_selftests." #test_name)]] static const ::ath::selftest::TestCase     \
        selftest_case_##test_name { #test_name, selftest_body_##test_name };                                  \
    static ::ath::ErrorOr selftest_body_##test_name()

// Fails the current test with the text of the condition when it does not hold.
#define EXPECT(condition)                                                                                     \
    do {                                                                                                      \
        if (!(condition))                                                                                     \
            return ::ath::selftest::failure("expected {} ({}:{})", #condition, __FILE__, __LINE__);           \
    } while (0)
