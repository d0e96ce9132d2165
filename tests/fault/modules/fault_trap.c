/* (a) traps: a load far outside its linear memory (out of bounds memory access). LLVM may turn
 * a division by zero into a select, so the trap is a memory access the compiler must keep. */
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    printf("fault-trap: loading from outside linear memory\n");
    fflush(stdout);
    return *(volatile int*)(uintptr_t)0xFFFFFFF0u;
}
