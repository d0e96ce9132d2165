/* ipc-spinner: a caller that is killed in the middle of a call (tests/ipc/booted). It calls
 * ipc-echo's OP_SPIN, a handler that never returns; the handler runs on ipc-spinner's thread, so
 * ipc-spinner's own CPU watchdog (cpu-limit-ms in its manifest) stops the call at a safepoint and
 * kills it. ipc-echo must stay callable afterwards (ipc-client checks it). */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "booted_ipc.h"

/* With --expect-server-killed (kernel mode ipc-kill-test) the server is killed during the call
 * instead: the call must end with AZOTH_E_SERVER_TRAPPED and this module keeps running. */
/* --queued (kernel mode ipc-kill-test, third round): another caller is blocked inside ipc-echo;
 * this one pings until its call has to wait in the Store's queue, and ipc-echo is killed while it
 * waits: the wait must end with E_NOT_FOUND (never hang). */
static azoth_status_t ping(void* echo)
{
    return azoth_call(*(azoth_handle_t*)echo, 0, 0, 0, 0, AZOTH_NO_RESULTS);
}

static int queued_caller(void)
{
    azoth_handle_t echo = 0;
    azoth_status_t status = find_service("echo", &echo, NULL, NULL, 5);
    unsigned pings = 0;
    while (status == AZOTH_OK && pings < 100000) {
        status = azoth_call(echo, 0, 0, 0, 0, AZOTH_NO_RESULTS);
        if (status == AZOTH_OK) {
            ++pings;
            struct timespec pause = { 0, 2000000 };
            nanosleep(&pause, NULL);
        }
    }
    printf("ipc-spinner: queued call ended with status %d after %u pings (%s)\n", (int)status, pings,
        status == AZOTH_E_NOT_FOUND ? "server gone, as expected" : "FAIL");
    fflush(stdout);
    return status == AZOTH_E_NOT_FOUND ? 0 : 1;
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "--queued") == 0)
        return queued_caller();
    int expect_server_killed = argc > 1 && strcmp(argv[1], "--expect-server-killed") == 0;
    /* --block (with --expect-server-killed): the handler blocks in event_wait instead of spinning. */
    int block = argc > 2 && strcmp(argv[2], "--block") == 0;
    azoth_handle_t echo = 0;
    azoth_status_t status = find_service("echo", &echo, ping, &echo, 5);
    if (status != AZOTH_OK) {
        printf("ipc-spinner: FAIL cannot reach echo (status %d)\n", (int)status);
        return 1;
    }
    printf("ipc-spinner: calling a handler that never returns (%s)\n", block ? "blocked in event_wait" : "spinning");
    fflush(stdout);
    status = azoth_call(echo, block ? 12 : 11, 0, 0, 0, AZOTH_NO_RESULTS);
    if (expect_server_killed) {
        printf("ipc-spinner: the call ended with status %d (%s)\n", (int)status,
            status == AZOTH_E_SERVER_TRAPPED ? "server trapped, as expected" : "FAIL");
        /* The server is gone: its endpoint answers E_NOT_FOUND from now on. */
        azoth_status_t after = azoth_call(echo, 0, 0, 0, 0, AZOTH_NO_RESULTS);
        printf("ipc-spinner: a call after the kill: status %d\n", (int)after);
        return status == AZOTH_E_SERVER_TRAPPED && (after == AZOTH_E_NOT_FOUND || after == AZOTH_E_BUSY) ? 0 : 1;
    }
    printf("ipc-spinner: FAIL the call returned (status %d)\n", (int)status);
    return 1;
}
