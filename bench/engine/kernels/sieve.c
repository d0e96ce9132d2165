/* Sieve of Eratosthenes over a byte array, then a checksum over the primes found. */
#include "kernel.h"

#define LIMIT SIZE(20000, 12000000)

static u8 composite[LIMIT + 1];

KERNEL_EXPORT u32 run(void)
{
    for (u32 i = 0; i <= LIMIT; ++i)
        composite[i] = 0;
    for (u32 candidate = 2; candidate * candidate <= LIMIT; ++candidate) {
        if (composite[candidate])
            continue;
        for (u32 multiple = candidate * candidate; multiple <= LIMIT; multiple += candidate)
            composite[multiple] = 1;
    }
    u32 checksum = 2166136261u, prime_count = 0;
    for (u32 i = 2; i <= LIMIT; ++i) {
        if (!composite[i]) {
            ++prime_count;
            checksum = mix(checksum, i);
        }
    }
    return mix(checksum, prime_count);
}
