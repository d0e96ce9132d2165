/* A well-behaved module that keeps working while the others fault: one line every 100 ms. */
#include <stdio.h>
#include <time.h>

int main(void)
{
    for (int tick = 1; tick <= 30; ++tick) {
        struct timespec pause = { 0, 100 * 1000000L };
        nanosleep(&pause, NULL);
        if (tick % 5 == 0)
            printf("steady: tick %d\n", tick);
        fflush(stdout);
    }
    printf("steady: done\n");
    return 0;
}
