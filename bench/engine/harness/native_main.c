/* Times a kernel compiled to native code: calls run() the given number of times and prints one
 * JSON object with the checksum and the seconds of every call (CLOCK_MONOTONIC). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

unsigned run(void);

static double now_seconds(void)
{
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

int main(int argc, char** argv)
{
    int repetitions = argc > 1 ? atoi(argv[1]) : 5;
    if (repetitions < 1) {
        fprintf(stderr, "usage: %s [repetitions >= 1]\n", argv[0]);
        return 2;
    }
    unsigned first_checksum = 0;
    printf("{\"seconds\": [");
    for (int i = 0; i < repetitions; ++i) {
        double start = now_seconds();
        unsigned checksum = run();
        double elapsed = now_seconds() - start;
        if (i == 0)
            first_checksum = checksum;
        else if (checksum != first_checksum) {
            fprintf(stderr, "checksum changed between calls: %u then %u\n", first_checksum, checksum);
            return 1;
        }
        printf("%s%.9f", i ? ", " : "", elapsed);
    }
    printf("], \"checksum\": %u}\n", first_checksum);
    return 0;
}
