/* Times a kernel compiled to native code: calls run() the given number of times and prints one
 * JSON object with the checksum, the wall seconds (CLOCK_MONOTONIC) and the CPU seconds
 * (CLOCK_PROCESS_CPUTIME_ID) of every call. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

unsigned run(void);

static double clock_seconds(clockid_t clock)
{
    struct timespec time;
    clock_gettime(clock, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

int main(int argc, char** argv)
{
    int repetitions = argc > 1 ? atoi(argv[1]) : 5;
    if (repetitions < 1) {
        fprintf(stderr, "usage: %s [repetitions >= 1]\n", argv[0]);
        return 2;
    }
    double* cpu_seconds = calloc((size_t)repetitions, sizeof(double));
    if (!cpu_seconds)
        return 1;
    unsigned first_checksum = 0;
    printf("{\"seconds\": [");
    for (int i = 0; i < repetitions; ++i) {
        double cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        double start = clock_seconds(CLOCK_MONOTONIC);
        unsigned checksum = run();
        double elapsed = clock_seconds(CLOCK_MONOTONIC) - start;
        cpu_seconds[i] = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
        if (i == 0)
            first_checksum = checksum;
        else if (checksum != first_checksum) {
            fprintf(stderr, "checksum changed between calls: %u then %u\n", first_checksum, checksum);
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
