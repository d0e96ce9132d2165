/* Dense f64 matrix multiply (i-k-j loop order), inputs from a fixed pseudo-random generator. */
#include "kernel.h"

#define N SIZE(24, 560)

static double a[N][N], b[N][N], c[N][N];

KERNEL_EXPORT u32 run(void)
{
    u32 state = 12345;
    for (int i = 0; i < N; ++i) {
        for (int j = 0; j < N; ++j) {
            a[i][j] = (double)(next_random(&state) % 2001) / 1000.0 - 1.0;
            b[i][j] = (double)(next_random(&state) % 2001) / 1000.0 - 1.0;
            c[i][j] = 0;
        }
    }
    for (int i = 0; i < N; ++i)
        for (int k = 0; k < N; ++k) {
            double scale = a[i][k];
            for (int j = 0; j < N; ++j)
                c[i][j] += scale * b[k][j];
        }
    u32 checksum = 2166136261u;
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) {
            u64 bits = __builtin_bit_cast(u64, c[i][j]);
            checksum = mix(mix(checksum, (u32)bits), (u32)(bits >> 32));
        }
    return checksum;
}
