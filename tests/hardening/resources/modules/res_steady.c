/* res-steady: a well-behaved module that keeps working while the others exhaust their resources:
 * one line every 250 ms until res-init kills it. */
#include <stdio.h>
#include <time.h>

int main(void)
{
    for (unsigned tick = 1;; ++tick) {
        struct timespec pause = { 0, 250 * 1000000L };
        nanosleep(&pause, NULL);
        printf("res-steady: tick %u\n", tick);
        fflush(stdout);
    }
}
