/* booted_check.h: the check/print helpers of the booted test modules (tests/ipc/booted,
 * tests/unit/object/booted), wasm32-wasi C against wasi-libc. Test support, not SDK: the line
 * format is what the boot-test drivers (tests/ipc/ipc-boot-test.py, tests/unit/object/
 * device-boot-test.py) parse, and CHECK returns from the calling case function.
 *
 *   #define BOOTED_MODULE "ipc-client"   (before the include; the prefix of every line)
 *   #include "booted_check.h"
 *
 *   CHECK(case, condition, fmt, ...)  on a false condition prints "MODULE: FAIL case: <fmt...>",
 *                                     counts it in `failures` and returns (void case functions)
 *   ok(case)                          prints "MODULE: case ok"
 *   now_ns()                          CLOCK_MONOTONIC in nanoseconds
 *   sleep_ms(ms)                      nanosleep for ms milliseconds
 */
#ifndef AZOTH_TESTS_BOOTED_CHECK_H
#define AZOTH_TESTS_BOOTED_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef BOOTED_MODULE
#error "define BOOTED_MODULE (the module's name, the prefix of its lines) before including booted_check.h"
#endif

static int failures __attribute__((unused));

#define CHECK(name, condition, ...)                              \
    do {                                                         \
        if (!(condition)) {                                      \
            printf(BOOTED_MODULE ": FAIL %s: ", name);           \
            printf(__VA_ARGS__);                                 \
            printf("\n");                                        \
            fflush(stdout);                                      \
            ++failures;                                          \
            return;                                              \
        }                                                        \
    } while (0)

static inline void ok(const char* name)
{
    printf(BOOTED_MODULE ": %s ok\n", name);
    fflush(stdout);
}

static inline uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static inline void sleep_ms(uint64_t ms)
{
    struct timespec d = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&d, NULL);
}

#endif
