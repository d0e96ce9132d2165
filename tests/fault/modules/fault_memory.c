/* (d) grows its memory 1 MiB at a time until the kernel refuses, then exits 1 (a failure, so
 * init restarts it once: the second run must get as far, proving the first run's frames came back). */
#include <stdio.h>

int main(void)
{
    unsigned long grown = 0;
    while (__builtin_wasm_memory_grow(0, 16) != (__SIZE_TYPE__)-1)
        grown++;
    printf("fault-memory: grew %lu MiB, then memory.grow was refused\n", grown);
    return 1;
}
