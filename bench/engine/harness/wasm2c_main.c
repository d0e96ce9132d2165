/* Times a kernel translated to C by wasm2c (wabt) and compiled with clang -O2. The generated
 * header is force-included (-include NAME.h); every kernel is translated with module name
 * "kernel", so the entry points below are the same for all of them. Output as native_main.c. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wasm-rt.h"

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
    wasm_rt_init();
    Z_kernel_init_module();
    Z_kernel_instance_t instance;
    Z_kernel_instantiate(&instance);
    double* cpu_seconds = calloc((size_t)repetitions, sizeof(double));
    if (!cpu_seconds)
        return 1;
    unsigned first_checksum = 0;
    printf("{\"seconds\": [");
    for (int i = 0; i < repetitions; ++i) {
        double cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        double start = clock_seconds(CLOCK_MONOTONIC);
        unsigned checksum = Z_kernelZ_run(&instance);
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
    Z_kernel_free(&instance);
    wasm_rt_free();
    return 0;
}
