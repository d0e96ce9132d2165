/* Mandelbrot set on a grid (f64), counting escape iterations per pixel. */
#include "kernel.h"

#define WIDTH SIZE(64, 640)
#define HEIGHT SIZE(48, 480)
#define MAX_ITERATIONS 256

KERNEL_EXPORT u32 run(void)
{
    u32 checksum = 2166136261u;
    for (int py = 0; py < HEIGHT; ++py) {
        double ci = -1.2 + 2.4 * py / HEIGHT;
        u32 row_sum = 0;
        for (int px = 0; px < WIDTH; ++px) {
            double cr = -2.1 + 3.0 * px / WIDTH;
            double zr = 0, zi = 0;
            int iteration = 0;
            while (iteration < MAX_ITERATIONS) {
                double zr2 = zr * zr, zi2 = zi * zi;
                if (zr2 + zi2 > 4.0)
                    break;
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                ++iteration;
            }
            row_sum += (u32)iteration * (u32)(px + 1);
        }
        checksum = mix(checksum, row_sum);
    }
    return checksum;
}
