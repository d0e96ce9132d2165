/* ipc-queue-first / -second / -third: the clients of the booted queue test (one source, the role
 * is argv[1]). The first calls OP_HOLD, which holds ipc-queue's Store for 1 s; the second and third
 * are told (through their events) that the first is inside; the second calls at once, the third
 * 100 ms later. Their calls must wait in the queue (no E_BUSY, no retry), come back after the
 * first one's and be served in arrival order: entries 1 and 2 (a LIFO queue would swap them).
 * Prints "ipc-queue-ROLE: ok ..." or "ipc-queue-ROLE: FAIL ...". */
#include <azoth.h>
#define BOOTED_MODULE "ipc-queue"
#include "booted_check.h"
#include "booted_ipc.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { OP_PING, OP_GIVE, OP_HOLD, OP_ORDER, OP_QUIT };

static int fail(const char* role, const char* what, int status, long long value)
{
    printf("ipc-queue-%s: FAIL %s (status %d, value %lld)\n", role, what, status, value);
    fflush(stdout);
    return 1;
}

int main(int argc, char** argv)
{
    const char* role = "first";
    if (argc > 1 && strcmp(argv[1], "--second") == 0)
        role = "second";
    else if (argc > 1 && strcmp(argv[1], "--third") == 0)
        role = "third";
    azoth_handle_t queue = 0;
    azoth_status_t status = find_service("queue", &queue, NULL, NULL, 5);
    if (status != AZOTH_OK)
        return fail(role, "no queue endpoint", status, 0);
    uint64_t words[4] = { 0 };
    if (role[0] == 'f') {
        /* Retried only until the other two clients have given their events (-2 before). */
        int64_t entry = -2;
        for (int attempt = 0; attempt < 2000 && entry == -2; ++attempt) {
            status = azoth_call(queue, OP_HOLD, 'A', 1000, 0, words);
            if (status != AZOTH_OK)
                return fail(role, "OP_HOLD", status, 0);
            entry = (int64_t)words[0];
            if (entry == -2)
                sleep_ms(5);
        }
        if (entry != 0)
            return fail(role, "the first call is not entry 0", status, entry);
        printf("ipc-queue-first: ok held the server 1000 ms as entry 0\n");
        fflush(stdout);
        return 0;
    }
    int third = role[0] == 't';
    azoth_handle_t event = 0;
    if ((status = azoth_event_create(&event)) != AZOTH_OK)
        return fail(role, "event_create", status, 0);
    status = azoth_call_with_handle(queue, event, AZOTH_RIGHT_WRITE, 1, OP_GIVE, 0, 0, words);
    if (status != AZOTH_OK || words[0] != 0)
        return fail(role, "OP_GIVE", status, (long long)words[0]);
    uint32_t bits = 0;
    if ((status = azoth_event_wait(event, 1, 60000000000ull, &bits)) != AZOTH_OK)
        return fail(role, "the first call never entered", status, 0);
    /* The first call is inside OP_HOLD now: this one must queue behind it (the third one also
     * behind the second, which calls 100 ms earlier). */
    if (third)
        sleep_ms(100);
    uint64_t start = now_ns();
    status = azoth_call(queue, OP_HOLD, third ? 'C' : 'B', 0, 0, words);
    uint64_t waited_ms = (now_ns() - start) / 1000000ull;
    if (status != AZOTH_OK)
        return fail(role, "the call to a busy server did not wait", status, 0);
    int64_t expected_entry = third ? 2 : 1;
    if ((int64_t)words[0] != expected_entry)
        return fail(role, third ? "the third call is not entry 2" : "the second call is not entry 1", status,
            (long long)words[0]);
    if (waited_ms < 100)
        return fail(role, "the queued call came back too early (ms)", status, (long long)waited_ms);
    uint64_t expected_order = 'A' | ('B' << 8) | (third ? ('C' << 16) : 0);
    uint64_t mask = third ? 0xFFFFFF : 0xFFFF;
    if ((status = azoth_call(queue, OP_ORDER, 0, 0, 0, words)) != AZOTH_OK || (words[0] & mask) != expected_order)
        return fail(role, "entry order", status, (long long)words[0]);
    printf("ipc-queue-%s: ok waited %llu ms behind the first call, served %s\n", role, (unsigned long long)waited_ms, role);
    fflush(stdout);
    if (third && (status = azoth_call(queue, OP_QUIT, 0, 0, 0, AZOTH_NO_RESULTS)) != AZOTH_OK)
        return fail(role, "OP_QUIT", status, 0);
    return 0;
}
