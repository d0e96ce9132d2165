// A WASI command exercising the basics: arguments, environment, clocks, entropy, stdout/stderr,
// a non-trivial computation with a known answer, and the exit status.
//   args_clock_compute [EXIT_CODE] [WORDS...]
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

static uint32_t count_primes(uint32_t limit)
{
    static uint8_t composite[200001];
    uint32_t count = 0;
    for (uint32_t i = 2; i <= limit; ++i) {
        if (composite[i])
            continue;
        ++count;
        for (uint64_t j = (uint64_t)i * i; j <= limit; j += i)
            composite[j] = 1;
    }
    return count;
}

static uint32_t fnv1a(const char* text)
{
    uint32_t hash = 2166136261u;
    for (; *text; ++text)
        hash = (hash ^ (uint8_t)*text) * 16777619u;
    return hash;
}

int main(int argc, char** argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; ++i)
        printf("argv[%d]=%s\n", i, argv[i]);

    const char* greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");

    struct timespec a, b, resolution;
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0 || clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        printf("clock: error\n");
        return 1;
    }
    int64_t delta = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
    printf("clock: monotonic %s\n", delta >= 0 ? "ok" : "went backwards");
    clock_getres(CLOCK_MONOTONIC, &resolution);
    printf("clock: resolution %s\n", resolution.tv_sec == 0 && resolution.tv_nsec > 0 ? "ok" : "bad");
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    printf("clock: realtime after 2020 %s\n", wall.tv_sec > 1577836800 ? "yes" : "no");

    struct timespec nap = { 0, 20 * 1000 * 1000 }, before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &after);
    int64_t slept = (int64_t)(after.tv_sec - before.tv_sec) * 1000000000 + (after.tv_nsec - before.tv_nsec);
    printf("sleep: at least 20ms %s\n", slept >= 20 * 1000 * 1000 ? "yes" : "no");

    uint8_t random_bytes[32] = { 0 };
    __wasi_errno_t status = __wasi_random_get(random_bytes, sizeof(random_bytes));
    int nonzero = 0;
    for (size_t i = 0; i < sizeof(random_bytes); ++i)
        nonzero |= random_bytes[i];
    printf("random: %s\n", status == 0 && nonzero ? "ok" : "bad");

    printf("primes below 200000: %u\n", count_primes(200000));
    printf("fnv1a(azoth): %08x\n", fnv1a("azoth"));
    fprintf(stderr, "to stderr\n");

    return argc > 1 ? atoi(argv[1]) : 0;
}
