/* clock-probe: what a module sees of time (issue 21, coarse clocks). Run by the clocks image's
 * init twice: as clock-coarse (no `precise-time` capability: every reading and the reported
 * resolution must be in 100 us steps) and as clock-precise (with it: nanosecond readings).
 *
 *   clock-probe coarse|precise
 *
 * Prints one "clock-probe: <mode> ok: ..." line per clock, or "clock-probe: FAIL ..." lines, and
 * exits 0 only when every check held. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define COARSE_NS 100000ull
#define READINGS 4000

static int failures = 0;

static void fail(const char* mode, const char* clock, const char* what, unsigned long long value)
{
    printf("clock-probe: FAIL %s %s: %s (%llu)\n", mode, clock, what, value);
    failures++;
}

static void probe(const char* mode, int coarse, __wasi_clockid_t id, const char* clock)
{
    __wasi_timestamp_t resolution = 0;
    if (__wasi_clock_res_get(id, &resolution) != 0) {
        fail(mode, clock, "clock_res_get failed", 0);
        return;
    }
    unsigned long long off_step = 0, distinct = 0, backwards = 0;
    __wasi_timestamp_t previous = 0;
    volatile uint64_t work = 0;
    for (int i = 0; i < READINGS; ++i) {
        __wasi_timestamp_t now = 0;
        if (__wasi_clock_time_get(id, 1, &now) != 0) {
            fail(mode, clock, "clock_time_get failed", (unsigned long long)i);
            return;
        }
        if (now % COARSE_NS != 0)
            off_step++;
        if (i > 0 && now != previous)
            distinct++;
        if (id == __WASI_CLOCKID_MONOTONIC && i > 0 && now < previous)
            backwards++;
        previous = now;
        for (int j = 0; j < 200; ++j)
            work += (uint64_t)j * (uint64_t)i; /* time passes between readings */
    }
    if (backwards)
        fail(mode, clock, "the monotonic clock went backwards", backwards);
    if (coarse) {
        if (resolution < COARSE_NS)
            fail(mode, clock, "clock_res_get reports a resolution finer than 100 us", resolution);
        if (off_step)
            fail(mode, clock, "readings not in 100 us steps", off_step);
        if (!failures)
            printf("clock-probe: coarse %s ok: resolution %llu ns, %d readings in 100 us steps, %llu changes\n", clock,
                (unsigned long long)resolution, READINGS, distinct);
    } else {
        if (resolution >= COARSE_NS)
            fail(mode, clock, "clock_res_get reports a coarse resolution with precise-time", resolution);
        /* At nanosecond resolution almost no reading falls on a 100 us boundary. */
        if (off_step < READINGS / 2)
            fail(mode, clock, "readings fall on 100 us steps with precise-time", READINGS - off_step);
        if (!failures)
            printf("clock-probe: precise %s ok: resolution %llu ns, %llu of %d readings between 100 us steps\n", clock,
                (unsigned long long)resolution, off_step, READINGS);
    }
}

int main(int argc, char** argv)
{
    if (argc < 2 || (strcmp(argv[1], "coarse") != 0 && strcmp(argv[1], "precise") != 0)) {
        printf("clock-probe: FAIL usage: clock-probe coarse|precise\n");
        return 2;
    }
    int coarse = strcmp(argv[1], "coarse") == 0;
    probe(argv[1], coarse, __WASI_CLOCKID_MONOTONIC, "monotonic");
    probe(argv[1], coarse, __WASI_CLOCKID_REALTIME, "realtime");
    return failures ? 1 : 0;
}
