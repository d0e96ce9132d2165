/* waits-victim: a module that blocks in one kind of wait until its supervisor (waits-supervisor,
 * the init of the waits image) kills it. tests/hardening/waits; docs/security.md "Waits and long
 * calls". One module, one manifest per role; argv[1] picks it:
 *   sleep        poll_oneoff on a monotonic clock 2^63 ns away
 *   stdin        fd_read(0) (no console driver: no input ever comes)
 *   poll-stdin   poll_oneoff on an fd_read subscription of stdin, no clock
 *   event        azoth.event_wait on a fresh event, no timeout
 *   random       random_get of 2 MiB in a loop (a long host call, not a wait)
 *   child        azoth.wait for a child exit, no timeout, with no child running (a child's own
 *                teardown would add a second process teardown to the figure)
 *   server       serves `waits-endpoint`: _start blocks in event_wait; its handler (run on the
 *                caller's thread) does op 1 = sleep 2^63 ns, op 2 = read stdin, op 0 = ping
 *   client OP    calls waits-endpoint's op OP (0: ping in a loop, so it queues behind a busy Store)
 * Each role prints "waits-victim: ROLE blocking" just before it blocks. */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

#include "wasi_subscriptions.h"

static const char* role = "?";

static void blocking(const char* what)
{
    printf("waits-victim: %s blocking (%s)\n", role, what);
    fflush(stdout);
}

static int sleep_forever(void)
{
    __wasi_subscription_t subscription;
    subscribe_clock(&subscription, 1, 1ull << 63);
    __wasi_event_t event;
    __wasi_size_t count = 0;
    return (int)__wasi_poll_oneoff(&subscription, &event, 1, &count);
}

static int poll_stdin(void)
{
    __wasi_subscription_t subscription;
    subscribe_stdin_read(&subscription, 2);
    __wasi_event_t event;
    __wasi_size_t count = 0;
    return (int)__wasi_poll_oneoff(&subscription, &event, 1, &count);
}

static int read_stdin(void)
{
    char byte;
    __wasi_iovec_t vector = { (uint8_t*)&byte, 1 };
    __wasi_size_t got = 0;
    return (int)__wasi_fd_read(0, &vector, 1, &got);
}

enum { OP_PING = 0, OP_SLEEP = 1, OP_STDIN = 2 };

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    (void)a, (void)b, (void)c;
    switch (op) {
    case OP_SLEEP: blocking("handler: poll_oneoff clock 2^63 ns"); return sleep_forever();
    case OP_STDIN: blocking("handler: fd_read stdin"); return read_stdin();
    default: return 0;
    }
}

static azoth_handle_t find(const char* name)
{
    azoth_handle_t handle = 0;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        if (azoth_handle_find(name, (uint32_t)strlen(name), &handle) == AZOTH_OK)
            return handle;
        struct timespec pause = { 0, 5000000 };
        nanosleep(&pause, NULL);
    }
    return 0;
}

static int client(int op)
{
    azoth_handle_t server = find("waits-endpoint");
    if (!server) {
        printf("waits-victim: FAIL %s cannot find waits-endpoint\n", role);
        return 1;
    }
    if (op == OP_PING) {
        /* Pings until a call has to wait behind a handler holding the server's Store. */
        blocking("azoth.call queued behind a busy server");
        for (;;) {
            azoth_status_t status = azoth_call(server, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS);
            if (status != AZOTH_OK) {
                printf("waits-victim: %s ping ended with status %d\n", role, (int)status);
                return 2;
            }
            struct timespec pause = { 0, 1000000 };
            nanosleep(&pause, NULL);
        }
    }
    azoth_status_t status = azoth_call(server, (uint64_t)op, 0, 0, 0, AZOTH_NO_RESULTS);
    /* Reached only when the server is killed under the handler: the call must say so. */
    printf("waits-victim: %s call ended with status %d (%s)\n", role, (int)status,
        status == AZOTH_E_SERVER_TRAPPED ? "server killed, as expected" : "FAIL");
    fflush(stdout);
    return status == AZOTH_E_SERVER_TRAPPED ? 0 : 1;
}

static int wait_for_a_child(void)
{
    blocking("azoth.wait for a child exit");
    azoth_child_exit_t exit;
    azoth_status_t status = azoth_wait(UINT64_MAX, &exit);
    printf("waits-victim: FAIL %s: wait returned %d\n", role, (int)status);
    return 1;
}

int main(int argc, char** argv)
{
    if (argc < 2)
        return 64;
    role = argv[1];
    int result = 0;
    if (strcmp(role, "sleep") == 0) {
        blocking("poll_oneoff clock 2^63 ns");
        result = sleep_forever();
    } else if (strcmp(role, "stdin") == 0) {
        blocking("fd_read stdin");
        result = read_stdin();
    } else if (strcmp(role, "poll-stdin") == 0) {
        blocking("poll_oneoff fd_read stdin");
        result = poll_stdin();
    } else if (strcmp(role, "event") == 0) {
        azoth_handle_t event = 0;
        if (azoth_event_create(&event) != AZOTH_OK)
            return 1;
        uint32_t bits = 0;
        blocking("event_wait");
        result = azoth_event_wait(event, 1, UINT64_MAX, &bits);
    } else if (strcmp(role, "random") == 0) {
        size_t size = 2u << 20;
        uint8_t* buffer = malloc(size);
        if (!buffer)
            return 1;
        blocking("random_get of 2 MiB in a loop");
        for (;;)
            (void)__wasi_random_get(buffer, size); /* an errno when killed mid-call: the loop's safepoint ends it */
    } else if (strcmp(role, "child") == 0) {
        return wait_for_a_child();
    } else if (strcmp(role, "server") == 0) {
        azoth_handle_t event = 0;
        if (azoth_event_create(&event) != AZOTH_OK)
            return 1;
        uint32_t bits = 0;
        result = azoth_event_wait(event, 1, UINT64_MAX, &bits);
    } else if (strcmp(role, "client") == 0 && argc > 2) {
        return client(atoi(argv[2]));
    } else {
        return 64;
    }
    /* A wait that ends is a failure: only the kill should end these modules. */
    printf("waits-victim: FAIL %s: the wait ended by itself (%d)\n", role, result);
    fflush(stdout);
    return 1;
}
