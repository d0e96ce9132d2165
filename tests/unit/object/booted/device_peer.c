/* device-peer: the server of the booted device test (tests/unit/object/booted). Its manifest says
 * `serves = peer`. azoth_handle(op, a, b, received) works on the handle that azoth_call_with_handle
 * carried in the fourth word; _start waits on its quit event (callers enter while it waits). */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>

enum {
    OP_RIGHTS = 1, /* -> rights of the received handle, or -status */
    OP_SIGNAL = 2, /* signals bit a of the received event (keeps it) -> status */
    OP_QUIT = 3,
};

static azoth_handle_t quit_event;

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t received)
{
    (void)b;
    switch (op) {
    case OP_RIGHTS: {
        uint32_t rights = 0;
        azoth_status_t status = azoth_handle_rights((azoth_handle_t)received, &rights);
        return status == AZOTH_OK ? (int64_t)rights : -(int64_t)status;
    }
    case OP_SIGNAL: return azoth_event_signal((azoth_handle_t)received, (uint32_t)a);
    case OP_QUIT: return azoth_event_signal(quit_event, 1);
    default: return -1;
    }
}

int main(void)
{
    if (azoth_event_create(&quit_event) != AZOTH_OK) {
        printf("device-peer: cannot create its event\n");
        return 1;
    }
    uint32_t bits = 0;
    azoth_status_t status;
    do {
        status = azoth_event_wait(quit_event, 1, AZOTH_WAIT_FOREVER, &bits);
    } while (status == AZOTH_E_TIMED_OUT);
    printf("device-peer: quit (status %d)\n", (int)status);
    return status == AZOTH_OK ? 0 : 1;
}
