/* ipc-peer-x / ipc-peer-y: the booted call-cycle test (one source, the role is argv[1]). Each
 * serves an endpoint named like itself (ipc-peer-x, ipc-peer-y) and calls the other's while its own thread holds its own
 * Store: x wakes y (OP_GO), keeps its own Store for 100 ms (nanosleep does not let go of it) and
 * calls y; y, woken, keeps its Store for 300 ms and then calls x. One of the two calls closes a cycle of waits (x waits
 * for y's Store while y waits for x's): that one must be refused with E_BUSY at once, the other
 * must wait its turn and succeed once the refused side lets go of its Store (event_wait).
 * Prints "ipc-peer-ROLE: call waited and succeeded" or "ipc-peer-ROLE: call refused (cycle)". */
#include <azoth.h>
#define BOOTED_MODULE "ipc-peer"
#include "booted_check.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { OP_PING = 0, OP_GO = 1 };

static azoth_handle_t own_event;

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    if (op == OP_GO)
        return azoth_event_signal(own_event, 1);
    return 0;
}

int main(int argc, char** argv)
{
    int is_x = !(argc > 1 && strcmp(argv[1], "--y") == 0);
    const char* me = is_x ? "x" : "y";
    /* Each endpoint has its server's module name: processes and endpoints are published in
     * separate namespaces (kernel/object/ObjectDirectory.h), so this must work. */
    const char* other = is_x ? "ipc-peer-y" : "ipc-peer-x";
    if (azoth_event_create(&own_event) != AZOTH_OK) {
        printf("ipc-peer-%s: FAIL event_create\n", me);
        return 1;
    }
    azoth_handle_t peer = 0;
    azoth_status_t status = AZOTH_E_NOT_FOUND;
    uint32_t bits = 0;
    if (is_x) {
        for (int attempt = 0; attempt < 2000 && status != AZOTH_OK; ++attempt) {
            status = azoth_handle_find(other, (uint32_t)strlen(other), &peer);
            if (status != AZOTH_OK)
                sleep_ms(5);
        }
        if (status == AZOTH_OK)
            status = azoth_call(peer, OP_GO, 0, 0, 0, AZOTH_NO_RESULTS);
        if (status != AZOTH_OK) {
            printf("ipc-peer-x: FAIL cannot wake peer-y (status %d)\n", (int)status);
            return 1;
        }
        /* Holds its own Store meanwhile: y takes its Store back and starts its 300 ms. */
        sleep_ms(100);
    } else {
        /* Lets go of its Store while it waits: x's OP_GO runs in it. */
        status = azoth_event_wait(own_event, 1, 60000000000ull, &bits);
        if (status != AZOTH_OK || azoth_handle_find(other, (uint32_t)strlen(other), &peer) != AZOTH_OK) {
            printf("ipc-peer-y: FAIL never woken or no peer-x (status %d)\n", (int)status);
            return 1;
        }
        sleep_ms(300); /* holds its Store: x's call waits in the queue meanwhile */
    }
    uint64_t start = now_ns();
    status = azoth_call(peer, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS);
    uint64_t took_ms = (now_ns() - start) / 1000000ull;
    if (status == AZOTH_OK)
        printf("ipc-peer-%s: call waited and succeeded (%llu ms)\n", me, (unsigned long long)took_ms);
    else if (status == AZOTH_E_BUSY)
        printf("ipc-peer-%s: call refused (cycle) after %llu ms\n", me, (unsigned long long)took_ms);
    else
        printf("ipc-peer-%s: FAIL call status %d\n", me, (int)status);
    fflush(stdout);
    /* Let go of the Store for a while: a call queued behind a refused one gets in now. */
    azoth_event_wait(own_event, 2, 1000000000ull, &bits);
    return status == AZOTH_OK || status == AZOTH_E_BUSY ? 0 : 1;
}
