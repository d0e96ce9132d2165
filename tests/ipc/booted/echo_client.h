/* echo_client.h: the client half of ipc-echo (ipc_echo.c) that ipc-client and ipc-reader share,
 * included after booted_check.h and booted_ipc.h. Before the include, define
 *   ECHO_BUSY_RETRIES   how often call() retries a call answered E_BUSY, 5 ms apart (0: never)
 *   ECHO_PING_RETRIED   1: connect() retries the lookup until ipc-echo answers a ping;
 *                       0: connect() pings once, as soon as the endpoint is found
 *
 *   echo, echo_process  the `echo` endpoint and ipc-echo's process handle (after connect())
 *   call(op, a, b, c, &result)  one call to echo; result = its first reply word
 *   ping(NULL)                  call(OP_PING)
 *   connect()                   the "connect" case: finds both handles, checks echo answers
 */
#ifndef AZOTH_TESTS_IPC_ECHO_CLIENT_H
#define AZOTH_TESTS_IPC_ECHO_CLIENT_H

#include <azoth.h>
#include <stdint.h>

#if !defined(ECHO_BUSY_RETRIES) || !defined(ECHO_PING_RETRIED)
#error "define ECHO_BUSY_RETRIES and ECHO_PING_RETRIED before including echo_client.h"
#endif

static azoth_handle_t echo, echo_process;

static azoth_status_t call(uint64_t op, uint64_t a, uint64_t b, uint64_t c, int64_t* result)
{
    uint64_t words[4];
    azoth_status_t status = azoth_call(echo, op, a, b, c, words);
    for (int attempt = 0; status == AZOTH_E_BUSY && attempt < ECHO_BUSY_RETRIES; ++attempt) {
        sleep_ms(5);
        status = azoth_call(echo, op, a, b, c, words);
    }
    if (status == AZOTH_OK && result)
        *result = (int64_t)words[0];
    return status;
}

static azoth_status_t ping(void* unused)
{
    (void)unused;
    return call(0 /* OP_PING */, 0, 0, 0, NULL);
}

static void connect(void)
{
    const char* name = "connect";
    azoth_status_t status = find_service("echo", &echo, ECHO_PING_RETRIED ? ping : NULL, NULL, 5);
    if (!ECHO_PING_RETRIED && status == AZOTH_OK)
        status = ping(NULL);
    CHECK(name, status == AZOTH_OK, "echo never answered (status %d)", (int)status);
    CHECK(name, azoth_handle_find("ipc-echo", 8, &echo_process) == AZOTH_OK, "no process handle for ipc-echo");
    ok(name);
}

#endif
