/* ipc-client: the booted IPC test's checks (tests/ipc/booted). Its manifest grants exactly
 *   handle = endpoint:echo:call          (published by ipc-echo, `serves = echo`)
 *   handle = process:ipc-echo:write      (to give ipc-echo handles)
 * Every case prints "ipc-client: CASE ok" or "ipc-client: FAIL CASE: detail"; the boot test
 * (tests/ipc/ipc-boot-test.py) checks each line. Exit status 0 only when every case passed. */
#include <azoth.h>
#define BOOTED_MODULE "ipc-client"
#include "booted_check.h"
#include "booted_ipc.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { OP_PING, OP_SUM, OP_COUNTER, OP_TRAP, OP_MAP, OP_READ, OP_WRITE, OP_SUM_BYTES, OP_UNMAP, OP_RIGHTS, OP_QUIT };

#define PAGE 4096
#define WINDOW_SIZE 65536
static _Alignas(65536) volatile unsigned char window[WINDOW_SIZE];
static unsigned char buffer[512];
/* ipc-echo takes one call at a time: while ipc-spinner is inside it (until its watchdog kills
 * it) a call waits its turn in the Store's queue (docs/ipc.md, "Booted processes"): no E_BUSY,
 * no retry. connect() pings once, as soon as the endpoint is found (a call before the server
 * waits in its event loop queues until it does). */
#define ECHO_BUSY_RETRIES 0
#define ECHO_PING_RETRIED 0
#include "echo_client.h"

static void calls(void)
{
    const char* name = "calls";
    int64_t result = 0;
    CHECK(name, call(OP_SUM, 40, 2, 100, &result) == AZOTH_OK && result == 142, "sum %lld", (long long)result);
    int64_t first = 0, second = 0;
    CHECK(name, call(OP_COUNTER, 5, 0, 0, &first) == AZOTH_OK, "counter");
    CHECK(name, call(OP_COUNTER, 7, 0, 0, &second) == AZOTH_OK && second == first + 7, "state across calls %lld %lld",
        (long long)first, (long long)second);
    /* A results pointer outside memory fails before the server runs (the counter stays). */
    CHECK(name, azoth_call(echo, OP_COUNTER, 1000, 0, 0, (uint64_t*)0xFFFFFFF0u) == AZOTH_E_FAULT, "bad results pointer");
    CHECK(name, call(OP_COUNTER, 0, 0, 0, &result) == AZOTH_OK && result == second, "server ran for a bad pointer");
    ok(name);
}

static void rights(void)
{
    const char* name = "rights";
    uint32_t rights = 0;
    CHECK(name, azoth_handle_rights(echo, &rights) == AZOTH_OK, "handle_rights");
    CHECK(name, rights == (AZOTH_RIGHT_CALL), "endpoint rights %#x, expected call only", rights);
    azoth_handle_t copy = 0;
    CHECK(name, azoth_handle_derive(echo, AZOTH_RIGHT_CALL, &copy) == AZOTH_E_PERMISSION_DENIED, "derive without derive right");
    CHECK(name, azoth_handle_transfer(echo, echo_process, AZOTH_RIGHT_CALL, 1, &copy) == AZOTH_E_PERMISSION_DENIED,
        "transfer without transfer right");
    CHECK(name, azoth_handle_revoke(echo, &rights) == AZOTH_E_PERMISSION_DENIED, "revoke without revoke right");
    /* The process handle is write-only: it names a target, it is not an endpoint. */
    CHECK(name, azoth_call(echo_process, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS) == AZOTH_E_BAD_HANDLE, "process handle called");
    ok(name);
}

static void derive(void)
{
    const char* name = "derive";
    azoth_handle_t event = 0, reader = 0, narrower = 0;
    uint32_t rights = 0, bits = 0;
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    CHECK(name, azoth_handle_derive(event, AZOTH_RIGHT_READ | AZOTH_RIGHT_DERIVE, &reader) == AZOTH_OK, "derive");
    CHECK(name, azoth_handle_rights(reader, &rights) == AZOTH_OK && rights == (AZOTH_RIGHT_READ | AZOTH_RIGHT_DERIVE),
        "derived rights %#x", rights);
    CHECK(name, azoth_event_signal(reader, 1) == AZOTH_E_PERMISSION_DENIED, "signal through a read-only handle");
    /* Rights only shrink: asking for write through the reader fails. */
    CHECK(name, azoth_handle_derive(reader, AZOTH_RIGHT_WRITE, &narrower) == AZOTH_E_PERMISSION_DENIED, "derive widened");
    CHECK(name, azoth_event_signal(event, 4) == AZOTH_OK, "signal");
    CHECK(name, azoth_event_wait(reader, 4, 0, &bits) == AZOTH_OK && bits == 4, "wait through the reader: bits %u", bits);
    azoth_handle_close(reader);
    azoth_handle_close(event);
    ok(name);
}

static void forged(void)
{
    const char* name = "forged-handles";
    /* Numbers never handed out, the reserved 0, out-of-range slots and generations. */
    uint32_t samples[] = { 0, 1, 2, 255, 256, 1023, 1024, 0x7FFFFFFFu, 0xFFFFFFFFu, 0x12345678u, (echo ^ (1u << 10)) };
    for (unsigned i = 0; i < sizeof samples / sizeof samples[0]; ++i) {
        if (samples[i] == echo || samples[i] == echo_process)
            continue;
        azoth_status_t status = azoth_call(samples[i], OP_PING, 0, 0, 0, AZOTH_NO_RESULTS);
        CHECK(name, status == AZOTH_E_BAD_HANDLE, "handle %#x gave status %d", samples[i], (int)status);
    }
    /* Stale: a closed handle's number stays dead even when its slot is reused. */
    azoth_handle_t event = 0, again = 0;
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    CHECK(name, azoth_handle_close(event) == AZOTH_OK, "close");
    CHECK(name, azoth_event_signal(event, 1) == AZOTH_E_BAD_HANDLE, "closed handle still works");
    CHECK(name, azoth_event_create(&again) == AZOTH_OK, "event_create again");
    CHECK(name, again != event && azoth_event_signal(event, 1) == AZOTH_E_BAD_HANDLE, "stale number came back");
    CHECK(name, azoth_handle_close(event) == AZOTH_E_BAD_HANDLE, "double close");
    azoth_handle_close(again);
    /* A handle of another kind: an event is not an endpoint. */
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    CHECK(name, azoth_call(event, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS) == AZOTH_E_BAD_HANDLE, "event called as endpoint");
    azoth_handle_close(event);
    ok(name);
}

static void trapping_server(void)
{
    const char* name = "server-trap";
    int64_t before = 0, after = 0;
    CHECK(name, call(OP_COUNTER, 0, 0, 0, &before) == AZOTH_OK, "counter");
    azoth_status_t status = call(OP_TRAP, 0, 0, 0, NULL);
    CHECK(name, status == AZOTH_E_SERVER_TRAPPED, "trap gave status %d", (int)status);
    /* The caller keeps running, and so does the server (same state). */
    CHECK(name, call(OP_COUNTER, 0, 0, 0, &after) == AZOTH_OK && after == before, "server state after trap");
    ok(name);
}

static void zero_copy_and_revoke(void)
{
    const char* name = "zero-copy";
    azoth_handle_t region = 0, theirs = 0;
    uint32_t window_offset = (uint32_t)(uintptr_t)window;
    CHECK(name, azoth_region_create(2 * PAGE, &region) == AZOTH_OK, "region_create");
    CHECK(name, azoth_region_map(region, window_offset, 1) == AZOTH_OK, "map");
    CHECK(name, azoth_handle_transfer(region, echo_process, AZOTH_RIGHT_READ | AZOTH_RIGHT_WRITE | AZOTH_RIGHT_MAP,
                    1, &theirs) == AZOTH_OK, "transfer a copy to ipc-echo");
    int64_t result = -1;
    CHECK(name, call(OP_RIGHTS, theirs, 0, 0, &result) == AZOTH_OK && result == (AZOTH_RIGHT_READ | AZOTH_RIGHT_WRITE | AZOTH_RIGHT_MAP),
        "rights in the server's table %lld", (long long)result);
    CHECK(name, call(OP_MAP, theirs, 0, 0, &result) == AZOTH_OK && result == AZOTH_OK, "server map %lld", (long long)result);
    /* Our stores are the server's bytes, and the other way round: no copy. */
    uint64_t expected = 0;
    for (unsigned i = 0; i < 2 * PAGE; ++i) {
        window[i] = (unsigned char)(i * 7 + 3);
        expected += window[i];
    }
    CHECK(name, call(OP_SUM_BYTES, 2 * PAGE, 0, 0, &result) == AZOTH_OK && (uint64_t)result == expected,
        "server sums %lld, expected %llu", (long long)result, (unsigned long long)expected);
    CHECK(name, call(OP_WRITE, PAGE + 10, 0xAB, 3, NULL) == AZOTH_OK, "server write");
    CHECK(name, window[PAGE + 10] == 0xAB && window[PAGE + 12] == 0xAB && window[PAGE + 13] != 0xAB, "server's store not seen");
    ok(name);

    name = "revoke-unmaps";
    uint32_t revoked = 0;
    CHECK(name, azoth_handle_revoke(region, &revoked) == AZOTH_OK && revoked >= 2, "revoked %u handles", revoked);
    /* The server's mapping went with its handle: its window is private zeroed memory again. */
    CHECK(name, call(OP_READ, PAGE + 10, 0, 0, &result) == AZOTH_OK && result == 0, "server still sees %lld", (long long)result);
    CHECK(name, call(OP_UNMAP, 0, 0, 0, &result) == AZOTH_OK && result == AZOTH_E_NOT_FOUND, "server unmap gave %lld", (long long)result);
    CHECK(name, window[PAGE + 10] == 0 && window[5] == 0, "our mapping survived the revoke");
    CHECK(name, call(OP_RIGHTS, theirs, 0, 0, &result) == AZOTH_OK && result == -AZOTH_E_BAD_HANDLE, "server handle alive %lld",
        (long long)result);
    CHECK(name, azoth_region_map(region, window_offset, 1) == AZOTH_E_BAD_HANDLE, "revoked handle maps");
    ok(name);
}

static void channel_wrap(void)
{
    const char* name = "channel-wrap";
    azoth_handle_t channel = 0;
    CHECK(name, azoth_channel_create(PAGE, 64, &channel) == AZOTH_OK, "channel_create");
    /* Many times around the ring, with a few messages in flight each time. */
    uint32_t sent = 0, received = 0;
    while (received < 2000) {
        for (int k = 0; k < 5 && sent < 2000; ++k, ++sent) {
            uint32_t length = 1 + sent % 56;
            for (uint32_t i = 0; i < length; ++i)
                buffer[i] = (unsigned char)(sent + i);
            azoth_status_t status = azoth_channel_send(channel, buffer, length, 0);
            CHECK(name, status == AZOTH_OK, "send %u: status %d", sent, (int)status);
        }
        while (received < sent) {
            uint32_t length = 0;
            memset(buffer, 0, sizeof buffer);
            azoth_status_t status = azoth_channel_receive(channel, buffer, sizeof buffer, 0, &length);
            CHECK(name, status == AZOTH_OK && length == 1 + received % 56, "receive %u: status %d length %u", received, (int)status, length);
            for (uint32_t i = 0; i < length; ++i)
                CHECK(name, buffer[i] == (unsigned char)(received + i), "message %u byte %u", received, i);
            ++received;
        }
    }
    /* A message larger than a slot is refused, not truncated. */
    CHECK(name, azoth_channel_send(channel, buffer, 200, 0) != AZOTH_OK, "oversized message accepted");
    azoth_handle_close(channel);
    ok(name);
}

static void timeouts(void)
{
    const char* name = "timeouts";
    azoth_handle_t event = 0, channel = 0;
    uint32_t bits = 0, length = 0;
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    uint64_t start = now_ns();
    CHECK(name, azoth_event_wait(event, 1, 30000000ull, &bits) == AZOTH_E_TIMED_OUT, "event wait did not time out");
    uint64_t waited = now_ns() - start;
    CHECK(name, waited >= 30000000ull, "event wait returned after %llu ns", (unsigned long long)waited);
    CHECK(name, azoth_event_wait(event, 1, 0, &bits) == AZOTH_E_TIMED_OUT, "poll");
    CHECK(name, azoth_channel_create(PAGE, 64, &channel) == AZOTH_OK, "channel_create");
    start = now_ns();
    CHECK(name, azoth_channel_receive(channel, buffer, sizeof buffer, 20000000ull, &length) == AZOTH_E_TIMED_OUT, "empty receive");
    waited = now_ns() - start;
    CHECK(name, waited >= 20000000ull, "receive returned after %llu ns", (unsigned long long)waited);
    /* Fill the ring, then a send times out. */
    uint32_t count = 0;
    while (azoth_channel_send(channel, buffer, 32, 0) == AZOTH_OK && count < 1000)
        ++count;
    CHECK(name, count > 0 && count < 1000, "ring held %u messages", count);
    start = now_ns();
    CHECK(name, azoth_channel_send(channel, buffer, 32, 20000000ull) == AZOTH_E_TIMED_OUT, "full send");
    CHECK(name, now_ns() - start >= 20000000ull, "full send returned early");
    azoth_handle_close(channel);
    azoth_handle_close(event);
    ok(name);
}

/* After OP_QUIT: pings (400 times at most, 5 ms apart) while the endpoint still answers; the
 * server ends once its _start has seen the quit event. Returns the first failed ping's status. */
static azoth_status_t ping_until_gone(void)
{
    azoth_status_t status = AZOTH_OK;
    for (int attempt = 0; attempt < 400 && status == AZOTH_OK; ++attempt) {
        status = call(OP_PING, 0, 0, 0, NULL);
        if (status == AZOTH_OK)
            sleep_ms(5);
    }
    return status;
}

static void server_gone(void)
{
    const char* name = "server-exit";
    int64_t result = -1;
    CHECK(name, call(OP_QUIT, 0, 0, 0, &result) == AZOTH_OK && result == AZOTH_OK, "quit");
    azoth_status_t status = ping_until_gone();
    CHECK(name, status == AZOTH_E_NOT_FOUND, "call after the server ended: status %d", (int)status);
    ok(name);
}

/* init restarts ipc-echo once (restart = always, max-restarts = 1): the new instance publishes
 * `echo` again and handle_find swaps our dead handle for one to it — no restart of the client. */
static void server_restart(void)
{
    const char* name = "server-restart";
    azoth_handle_t old = echo;
    azoth_status_t status = find_service("echo", &echo, ping, NULL, 5);
    CHECK(name, status == AZOTH_OK, "the restarted echo never answered (status %d)", (int)status);
    CHECK(name, echo != old, "handle_find kept the dead handle %#x", old);
    CHECK(name, azoth_call(old, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS) == AZOTH_E_BAD_HANDLE, "the dead handle still works");
    int64_t result = -1;
    CHECK(name, call(OP_COUNTER, 0, 0, 0, &result) == AZOTH_OK && result == 0, "a new instance starts fresh: counter %lld",
        (long long)result);
    CHECK(name, call(OP_QUIT, 0, 0, 0, &result) == AZOTH_OK && result == AZOTH_OK, "quit");
    status = ping_until_gone();
    CHECK(name, status == AZOTH_E_NOT_FOUND, "call after the second exit: status %d", (int)status);
    ok(name);
}

int main(void)
{
    connect();
    if (failures) {
        printf("ipc-client: cannot reach echo, giving up\n");
        return 1;
    }
    calls();
    rights();
    derive();
    forged();
    trapping_server();
    zero_copy_and_revoke();
    channel_wrap();
    timeouts();
    server_gone();
    server_restart();
    printf("ipc-client: %s (%d failed)\n", failures ? "FAILED" : "all passed", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
