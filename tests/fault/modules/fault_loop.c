/* (b) loops forever without a system call: only preemption and the CPU-time watchdog stop it. */
#include <stdio.h>

volatile unsigned long spins;

int main(void)
{
    printf("fault-loop: spinning forever\n");
    fflush(stdout);
    for (;;)
        spins++;
}
