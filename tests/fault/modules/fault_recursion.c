/* (c) recurses until the engine's call stack is exhausted (a trap, never a kernel stack overflow). */
#include <stdio.h>

#include "endless_recursion.h"

ENDLESS_RECURSION(deeper, 64)

int main(void)
{
    printf("fault-recursion: recursing without end\n");
    fflush(stdout);
    return (int)deeper(0);
}
