/* A well-behaved module that keeps working while the others fault: one line every 100 ms, also
 * while fault-loop spins (the tick wakes it and preempts the spinner at its next back-edge). */
#include <stdio.h>
#include <time.h>

int main(void)
{
    for (int tick = 1; tick <= 30; ++tick) {
        struct timespec pause = { 0, 100 * 1000000L };
        nanosleep(&pause, NULL);
        printf("steady: tick %d\n", tick);
        fflush(stdout);
    }
    printf("steady: done\n");
    return 0;
}
