/* Times a kernel translated to C by wasm2c (wabt) and compiled with clang -O2. The generated
 * header is force-included (-include NAME.h); every kernel is translated with module name
 * "kernel", so the entry points below are the same for all of them. Output as native_main.c. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wasm-rt.h"

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
    wasm_rt_init();
    Z_kernel_init_module();
    Z_kernel_instance_t instance;
    Z_kernel_instantiate(&instance);
    unsigned first_checksum = 0;
    printf("{\"seconds\": [");
    for (int i = 0; i < repetitions; ++i) {
        double start = now_seconds();
        unsigned checksum = Z_kernelZ_run(&instance);
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
    Z_kernel_free(&instance);
    wasm_rt_free();
    return 0;
}
