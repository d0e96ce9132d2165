/* timed_runs.h: what the native and the wasm2c harness share (native_main.c, wasm2c_main.c).
 *
 *   repetitions_argument(argc, argv)   argv[1] (default 5); 0, with a usage line, when it is < 1
 *   timed_runs(repetitions, run, ctx)  calls run(ctx) that many times and prints one JSON object
 *                                      with the checksum, the wall seconds (CLOCK_MONOTONIC) and
 *                                      the CPU seconds (CLOCK_PROCESS_CPUTIME_ID) of every call;
 *                                      the exit status (1 when the checksum changes between calls)
 */
#ifndef AZOTH_BENCH_ENGINE_TIMED_RUNS_H
#define AZOTH_BENCH_ENGINE_TIMED_RUNS_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_seconds(clockid_t clock)
{
    struct timespec time;
    clock_gettime(clock, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

static int repetitions_argument(int argc, char** argv)
{
    int repetitions = argc > 1 ? atoi(argv[1]) : 5;
    if (repetitions < 1) {
        fprintf(stderr, "usage: %s [repetitions >= 1]\n", argv[0]);
        return 0;
    }
    return repetitions;
}

static int timed_runs(int repetitions, unsigned (*run)(void* context), void* context)
{
    double* cpu_seconds = calloc((size_t)repetitions, sizeof(double));
    if (!cpu_seconds)
        return 1;
    unsigned first_checksum = 0;
    printf("{\"seconds\": [");
    for (int i = 0; i < repetitions; ++i) {
        double cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        double start = clock_seconds(CLOCK_MONOTONIC);
        unsigned checksum = run(context);
        double elapsed = clock_seconds(CLOCK_MONOTONIC) - start;
        cpu_seconds[i] = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
        if (i == 0)
            first_checksum = checksum;
        else if (checksum != first_checksum) {
            fprintf(stderr, "checksum changed between calls: %u then %u\n", first_checksum, checksum);
            free(cpu_seconds);
            return 1;
        }
        printf("%s%.9f", i ? ", " : "", elapsed);
    }
    printf("], \"cpu_seconds\": [");
    for (int i = 0; i < repetitions; ++i)
        printf("%s%.9f", i ? ", " : "", cpu_seconds[i]);
    printf("], \"checksum\": %u}\n", first_checksum);
    free(cpu_seconds);
    return 0;
}

#endif
