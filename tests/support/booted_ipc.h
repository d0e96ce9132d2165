/* booted_ipc.h: the two halves of a booted IPC rendezvous that the booted test modules (and
 * bench/ipc/booted) share, wasm32-wasi C against wasi-libc and <azoth.h>. Test support, not SDK.
 *
 *   find_service(service, &handle, answers, context, pause_ms)
 *       A server is spawned before its clients but publishes its endpoint only once instantiated
 *       (E_NOT_FOUND until then): look `service` up every pause_ms milliseconds, 2000 times at
 *       most, until it is found and, when `answers` is not NULL, answers(context) returns
 *       AZOTH_OK too (a failed answer is retried with the lookup). Returns the last status.
 *   serve_until_quit(module, quit_event)
 *       A server's main after its set-up: prints "MODULE: serving" and blocks in
 *       azoth_event_wait on bit 1 of quit_event (which is when callers may enter its handler,
 *       docs/ipc.md "Booted processes") until a handler signals it. Returns the wait's status.
 */
#ifndef AZOTH_TESTS_BOOTED_IPC_H
#define AZOTH_TESTS_BOOTED_IPC_H

#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static inline azoth_status_t find_service(const char* service, azoth_handle_t* handle,
    azoth_status_t (*answers)(void* context), void* context, uint64_t pause_ms)
{
    azoth_status_t status = AZOTH_E_NOT_FOUND;
    for (int attempt = 0; attempt < 2000; ++attempt) {
        status = azoth_handle_find(service, (uint32_t)strlen(service), handle);
        if (status == AZOTH_OK && answers)
            status = answers(context);
        if (status == AZOTH_OK)
            break;
        struct timespec pause = { (time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000L };
        nanosleep(&pause, NULL);
    }
    return status;
}

static inline azoth_status_t serve_until_quit(const char* module, azoth_handle_t quit_event)
{
    printf("%s: serving\n", module);
    fflush(stdout);
    uint32_t bits = 0;
    azoth_status_t status;
    do {
        status = azoth_event_wait(quit_event, 1, AZOTH_WAIT_FOREVER, &bits);
    } while (status == AZOTH_E_TIMED_OUT);
    return status;
}

#endif
