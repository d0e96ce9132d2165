/* (c) recurses until the engine's call stack is exhausted (a trap, never a kernel stack overflow). */
#include <stdio.h>

__attribute__((noinline)) unsigned long deeper(volatile unsigned long depth)
{
    volatile char frame[64];
    frame[0] = (char)depth;
    if (depth > 1000000000ul) /* never reached: keeps the compiler from calling this infinite */
        return 0;
    return deeper(depth + 1) + frame[0];
}

int main(void)
{
    printf("fault-recursion: recursing without end\n");
    fflush(stdout);
    return (int)deeper(0);
}
