/* Chaos: every run picks one fault at random (WASI random_get) and commits it; init restarts it
 * (restart = always) until max-restarts. No stdio, to keep each restart cheap. */
#include <stdint.h>
#include <wasi/api.h>

#include <azoth.h>

#include "endless_recursion.h"

volatile unsigned long spins;

ENDLESS_RECURSION(recurse, 32)

void _start(void)
{
    uint8_t choice = 0;
    if (__wasi_random_get(&choice, 1) != 0)
        __wasi_proc_exit(99);
    switch (choice % 8) {
    case 0: /* out-of-bounds trap */
        __wasi_proc_exit((uint32_t)*(volatile int*)(uintptr_t)0xFFFFFFF0u);
        break;
    case 1: /* loop until the watchdog */
        for (;;)
            spins++;
    case 2: /* call stack exhaustion */
        __wasi_proc_exit((uint32_t)recurse(0));
        break;
    case 3: /* grow until refused (the module's maximum) */
        while (__builtin_wasm_memory_grow(0, 4) != (__SIZE_TYPE__)-1) { }
        __wasi_proc_exit(3);
        break;
    case 4: { /* hostile pointers */
        __wasi_size_t written;
        __wasi_ciovec_t wild = { (const uint8_t*)(uintptr_t)0xFFFFFF00u, 0x1000 };
        if (__wasi_fd_write(1, &wild, 1, &written) != __WASI_ERRNO_FAULT)
            __wasi_proc_exit(100);
        if (azoth_memory_stats((azoth_memory_stats_t*)(uintptr_t)0xFFFFFFF8u) != AZOTH_E_FAULT)
            __wasi_proc_exit(101);
        __wasi_proc_exit(4);
        break;
    }
    case 5: /* garbage numbers */
        if (azoth_kill(choice) != AZOTH_E_NOT_FOUND || __wasi_fd_close(1000u + choice) != __WASI_ERRNO_BADF)
            __wasi_proc_exit(102);
        __wasi_proc_exit(5);
        break;
    case 6: /* unreachable */
        __builtin_trap();
    default: /* a clean exit */
        __wasi_proc_exit(0);
    }
}
