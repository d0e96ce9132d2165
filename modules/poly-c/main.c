/* poly-c: the C member of the polyglot ring (modules/README.md, "The polyglot ring"). It serves
 * the endpoint `poly-c` (OP_ID: its language id, OP_MIX: the ring's mixing function) and calls the
 * next member, named by argv[1], checking its answers against its own mix. */
#include <azoth.h>
#include <stdio.h>
#include <string.h>

enum { LANG_ID = 1, OP_ID = 0, OP_MIX = 1, WRONG_ANSWER = -1000 };

static uint64_t mix(uint64_t a, uint64_t b, uint64_t id) { return (a ^ id) * 0x100000001B3ull + b; }

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    (void)c;
    if (op == OP_ID)
        return LANG_ID;
    if (op == OP_MIX)
        return (int64_t)mix((uint64_t)a, (uint64_t)b, LANG_ID);
    return -1;
}

/* One trip to the next member: its language id (> 0), or -status / WRONG_ANSWER. */
static int64_t ring_step(const char* next)
{
    azoth_handle_t endpoint;
    azoth_status_t status = azoth_handle_find(next, (uint32_t)strlen(next), &endpoint);
    if (status != AZOTH_OK)
        return -status;
    uint64_t id[4], mixed[4];
    const uint64_t a = 0x0123456789ABCDEFull, b = 0xFEDCBA9876543210ull;
    status = azoth_call(endpoint, OP_ID, 0, 0, 0, id);
    if (status == AZOTH_OK)
        status = azoth_call(endpoint, OP_MIX, a, b, 0, mixed);
    azoth_handle_close(endpoint);
    if (status != AZOTH_OK)
        return -status;
    if (mixed[0] != mix(a, b, id[0]) || id[0] == LANG_ID)
        return WRONG_ANSWER;
    return (int64_t)id[0];
}

int main(int argc, char** argv)
{
    if (argc < 2) {
        printf("poly-c: FAIL no next member in args\n");
        return 1;
    }
    azoth_handle_t pause;
    if (azoth_event_create(&pause) != AZOTH_OK)
        return 1;
    for (int attempt = 0;; ++attempt) {
        int64_t result = ring_step(argv[1]);
        if (result > 0) {
            printf("poly-c: %s (language %lld) mixed correctly\n", argv[1], (long long)result);
            break;
        }
        /* Not up yet (E_NOT_FOUND) or busy calling around the ring (E_BUSY): retry, letting go of
         * this module meanwhile (event_wait, not a sleep). */
        if ((result != -AZOTH_E_NOT_FOUND && result != -AZOTH_E_BUSY) || attempt == 3000) {
            printf("poly-c: FAIL calling %s: %s\n", argv[1],
                   result == WRONG_ANSWER ? "wrong answer" : azoth_status_name((azoth_status_t)-result));
            return 1;
        }
        uint32_t bits;
        azoth_event_wait(pause, 1, 10000000ull, &bits);
    }
    fflush(stdout);
    for (;;) {
        uint32_t bits;
        azoth_status_t status = azoth_event_wait(pause, 1, AZOTH_WAIT_FOREVER, &bits);
        if (status != AZOTH_OK) {
            printf("poly-c: FAIL serving: %s\n", azoth_status_name(status));
            return 1;
        }
    }
}
