/* The Linux side of the privacy benchmark's fork_exec figure: a minimal static process that does
 * what a reset module does between resets, writing 64 KiB (16 pages) of fresh memory, then exits. */
#include <string.h>

static char pages[64 * 1024];

int main(void)
{
    memset(pages, 0x5A, sizeof pages);
    __asm__ volatile("" : : "r"(pages) : "memory"); /* the writes are not optimised away */
    return pages[4096] == 0x5A ? 0 : 1;
}
