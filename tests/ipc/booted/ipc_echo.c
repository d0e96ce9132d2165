/* ipc-echo: the server of the booted IPC test (tests/ipc/booted). Its manifest says
 * `serves = echo`: the kernel publishes an endpoint whose calls run azoth_handle below on the
 * CALLER's thread, in this module's Store. _start only sets up and then blocks in
 * azoth_event_wait, which is when callers may enter (docs/ipc.md, "Booted processes"); OP_QUIT
 * signals that event and the server ends. */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>

#include "booted_ipc.h"

enum {
    OP_PING = 0,      /* -> 0 */
    OP_SUM = 1,       /* -> w1 + w2 + w3 */
    OP_COUNTER = 2,   /* counter += w1 -> counter (state kept across calls) */
    OP_TRAP = 3,      /* traps; the caller gets AZOTH_E_SERVER_TRAPPED */
    OP_MAP = 4,       /* maps region handle w1 (a number in this table) over `window` -> status */
    OP_READ = 5,      /* -> window[w1] */
    OP_WRITE = 6,     /* window[w1 .. w1 + w3) = w2 -> 0 */
    OP_SUM_BYTES = 7, /* -> sum of window[0 .. w1) */
    OP_UNMAP = 8,     /* -> status of azoth_region_unmap(window) */
    OP_RIGHTS = 9,    /* -> rights of handle w1 in this table, or -status */
    OP_QUIT = 10,     /* the server's _start returns */
    OP_SPIN = 11,     /* never returns: the caller's watchdog must end the call */
    OP_BLOCK = 12,    /* blocks in event_wait on the caller's thread until the server is killed */
    /* A second window, for ipc-reader (read-only mappings) so it never meets ipc-client's. */
    OP_MAP2 = 13,     /* maps region handle w1 over `window2`, writable if w2 -> status */
    OP_READ2 = 14,    /* -> window2[w1] */
    OP_WRITE2 = 15,   /* window2[w1 .. w1 + w3) = w2 -> 0 (traps when window2 is mapped read-only) */
    OP_UNMAP2 = 16,   /* -> status of azoth_region_unmap(window2) */
};

#define WINDOW_SIZE 65536
static _Alignas(65536) volatile unsigned char window[WINDOW_SIZE];
static _Alignas(65536) volatile unsigned char window2[WINDOW_SIZE];
static uint64_t counter;
static volatile uint64_t spins;
static azoth_handle_t quit_event;

typedef struct {
    int64_t r0;
} reply_t;

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    reply_t reply = { 0 };
    switch (op) {
    case OP_PING: break;
    case OP_SUM: reply.r0 = a + b + c; break;
    case OP_COUNTER: counter += (uint64_t)a; reply.r0 = (int64_t)counter; break;
    case OP_TRAP: __builtin_trap();
    case OP_MAP: reply.r0 = azoth_region_map((azoth_handle_t)a, (uint32_t)(uintptr_t)window, 1); break;
    case OP_READ: reply.r0 = window[(uint64_t)a % WINDOW_SIZE]; break;
    case OP_WRITE:
        for (uint64_t i = 0; i < (uint64_t)c && (uint64_t)a + i < WINDOW_SIZE; ++i)
            window[(uint64_t)a + i] = (unsigned char)b;
        break;
    case OP_SUM_BYTES: {
        uint64_t sum = 0;
        for (uint64_t i = 0; i < (uint64_t)a && i < WINDOW_SIZE; ++i)
            sum += window[i];
        reply.r0 = (int64_t)sum;
        break;
    }
    case OP_UNMAP: reply.r0 = azoth_region_unmap((uint32_t)(uintptr_t)window); break;
    case OP_RIGHTS: {
        uint32_t rights = 0;
        azoth_status_t status = azoth_handle_rights((azoth_handle_t)a, &rights);
        reply.r0 = status == AZOTH_OK ? (int64_t)rights : -(int64_t)status;
        break;
    }
    case OP_MAP2: reply.r0 = azoth_region_map((azoth_handle_t)a, (uint32_t)(uintptr_t)window2, b != 0); break;
    case OP_READ2: reply.r0 = window2[(uint64_t)a % WINDOW_SIZE]; break;
    case OP_WRITE2:
        for (uint64_t i = 0; i < (uint64_t)c && (uint64_t)a + i < WINDOW_SIZE; ++i)
            window2[(uint64_t)a + i] = (unsigned char)b;
        break;
    case OP_UNMAP2: reply.r0 = azoth_region_unmap((uint32_t)(uintptr_t)window2); break;
    case OP_QUIT: reply.r0 = azoth_event_signal(quit_event, 1); break;
    case OP_SPIN:
        for (;;)
            ++spins;
    case OP_BLOCK: {
        uint32_t bits = 0;
        reply.r0 = azoth_event_wait(quit_event, 2, AZOTH_WAIT_FOREVER, &bits);
        break;
    }
    default: reply.r0 = -1; break;
    }
    return reply.r0;
}

int main(void)
{
    if (azoth_event_create(&quit_event) != AZOTH_OK) {
        printf("ipc-echo: cannot create its event\n");
        return 1;
    }
    azoth_status_t status = serve_until_quit("ipc-echo", quit_event);
    printf("ipc-echo: quit (status %d, counter %llu)\n", (int)status, (unsigned long long)counter);
    return status == AZOTH_OK ? 0 : 1;
}
