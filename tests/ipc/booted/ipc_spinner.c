/* ipc-spinner: a caller that is killed in the middle of a call (tests/ipc/booted). It calls
 * ipc-echo's OP_SPIN, a handler that never returns; the handler runs on ipc-spinner's thread, so
 * ipc-spinner's own CPU watchdog (cpu-limit-ms in its manifest) stops the call at a safepoint and
 * kills it. ipc-echo must stay callable afterwards (ipc-client checks it). */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int main(void)
{
    azoth_handle_t echo = 0;
    azoth_status_t status = AZOTH_E_NOT_FOUND;
    for (int attempt = 0; attempt < 2000 && status != AZOTH_OK; ++attempt) {
        status = azoth_handle_find("echo", 4, &echo);
        if (status == AZOTH_OK)
            status = azoth_call(echo, 0, 0, 0, 0, AZOTH_NO_RESULTS);
        if (status != AZOTH_OK) {
            struct timespec pause = { 0, 5000000 };
            nanosleep(&pause, NULL);
        }
    }
    if (status != AZOTH_OK) {
        printf("ipc-spinner: FAIL cannot reach echo (status %d)\n", (int)status);
        return 1;
    }
    printf("ipc-spinner: calling a handler that never returns\n");
    fflush(stdout);
    status = azoth_call(echo, 11, 0, 0, 0, AZOTH_NO_RESULTS);
    printf("ipc-spinner: FAIL the call returned (status %d)\n", (int)status);
    return 1;
}
