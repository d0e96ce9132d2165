/* The WASI parity program in C (tests/wasi/parity/README.md). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    printf("parity: argc-1=%d\n", argc - 1);
    for (int i = 1; i < argc; ++i)
        printf("parity: argv[%d]=%s\n", i, argv[i]);
    const char* greeting = getenv("GREETING");
    printf("parity: GREETING=%s\n", greeting ? greeting : "(unset)");
    struct timespec now, first, second;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("parity: realtime after 2020: %s\n", now.tv_sec > 1577836800 ? "yes" : "no");
    clock_gettime(CLOCK_MONOTONIC, &first);
    clock_gettime(CLOCK_MONOTONIC, &second);
    int monotonic = second.tv_sec > first.tv_sec || (second.tv_sec == first.tv_sec && second.tv_nsec >= first.tv_nsec);
    printf("parity: monotonic: %s\n", monotonic ? "yes" : "no");
    unsigned char bytes[32] = { 0 };
    int nonzero = 0;
    if (getentropy(bytes, sizeof bytes) == 0)
        for (size_t i = 0; i < sizeof bytes; ++i)
            nonzero |= bytes[i];
    printf("parity: random: %s\n", nonzero ? "ok" : "FAIL");
    long sum = 0;
    for (int i = 1; i <= 1000; ++i)
        sum += i;
    printf("parity: sum 1..1000=%ld\n", sum);
    fflush(stdout);
    fprintf(stderr, "parity: to stderr\n");
    return 3;
}
