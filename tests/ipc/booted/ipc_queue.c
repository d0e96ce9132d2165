/* ipc-queue: the server of the booted queue test (tests/ipc/booted, docs/ipc.md "Booted
 * processes"). Its manifest says `serves = queue`. OP_HOLD keeps the Store busy on the caller's
 * thread (a timed event_wait inside the handler, which does not let go of the Store) after telling
 * the other clients (through the events they gave with OP_GIVE) that the first call is inside:
 * their calls must then wait their turn in the Store's queue, not get E_BUSY, and be served in
 * the order they arrived. */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>

enum {
    OP_PING = 0,
    OP_GIVE = 1,  /* w3 = an event handle (call_with_handle): signalled when a call enters OP_HOLD */
    OP_HOLD = 2,  /* w1 = tag, w2 = milliseconds to hold the Store -> entry number; -2 until both
                     other clients have given their events */
    OP_ORDER = 3, /* -> the tags of the OP_HOLD entries, first in the low byte */
    OP_QUIT = 4,
};

#define WATCHERS 2 /* the second and third clients */
static azoth_handle_t notify[WATCHERS], hold_event, quit_event;
static unsigned watchers;
static uint64_t entries, order;

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    switch (op) {
    case OP_PING: return 0;
    case OP_GIVE:
        if (watchers == WATCHERS)
            return -1;
        notify[watchers++] = (azoth_handle_t)c;
        return 0;
    case OP_HOLD: {
        if (watchers < WATCHERS)
            return -2;
        uint64_t entry = entries++;
        if (entry < 8)
            order |= ((uint64_t)a & 0xFF) << (8 * entry);
        for (unsigned i = 0; i < WATCHERS; ++i)
            azoth_event_signal(notify[i], 1);
        if (b > 0) {
            uint32_t bits = 0;
            /* Nobody signals hold_event: the wait times out, the Store stays this call's meanwhile. */
            if (azoth_event_wait(hold_event, 1, (uint64_t)b * 1000000ull, &bits) != AZOTH_E_TIMED_OUT)
                return -3;
        }
        return (int64_t)entry;
    }
    case OP_ORDER: return (int64_t)order;
    case OP_QUIT: return azoth_event_signal(quit_event, 1);
    default: return -1;
    }
}

int main(void)
{
    if (azoth_event_create(&hold_event) != AZOTH_OK || azoth_event_create(&quit_event) != AZOTH_OK) {
        printf("ipc-queue: FAIL cannot create its events\n");
        return 1;
    }
    printf("ipc-queue: serving\n");
    fflush(stdout);
    uint32_t bits = 0;
    azoth_status_t status = azoth_event_wait(quit_event, 1, AZOTH_WAIT_FOREVER, &bits);
    printf("ipc-queue: quit (status %d, %llu entries)\n", (int)status, (unsigned long long)entries);
    return status == AZOTH_OK ? 0 : 1;
}
