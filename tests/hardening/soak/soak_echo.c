/* soak-echo: the well-behaved service of the soak (tests/hardening/soak). Its manifest says
 * `serves = echo`; calls run azoth_handle below on the caller's thread in this Store while
 * _start sleeps in event_wait (docs/ipc.md, "Booted processes").
 *
 *   OP_ECHO     -> echo_answer(w1, w2, w3): soak-client checks every answer
 *   OP_REPORT   w1 = REPORT_MAGIC: soak-hostile adds w2 calls to its counter
 *   OP_CONTROL  w1 = CONTROL_MAGIC, w2 = what, w3 = value: the supervisor and the client (stop,
 *               quit, results; see soak_protocol.h)
 *   anything else -> ~w0 (soak-hostile calls with random words)
 * Every call's w3 (but a control call's) is first closed as a handle of this table (unless it is the quit event): a
 * call_with_handle from soak-hostile leaves its handle here as w3, and a server that kept them
 * would fill its table and pin their objects (frames). */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>

#include "booted_ipc.h"
#include "soak_protocol.h"

static azoth_handle_t quit_event;
static uint64_t slow_call, slow_detail, heap_call, heap_detail;
static uint64_t hostile_calls, client_answered, client_failed, client_slowest_us, echo_calls, other_calls;
static int stopping;

/* The figures a CONTROL_CLIENT_* call sets from w3, and those a CONTROL_GET_* call answers. */
static uint64_t* const set_by_control[] = {
    [CONTROL_CLIENT_ANSWERED] = &client_answered,
    [CONTROL_CLIENT_FAILED] = &client_failed,
    [CONTROL_CLIENT_SLOWEST] = &client_slowest_us,
};
static const uint64_t* const answered_by_control[] = {
    [CONTROL_GET_HOSTILE_CALLS] = &hostile_calls,   [CONTROL_GET_CLIENT_ANSWERED] = &client_answered,
    [CONTROL_GET_CLIENT_FAILED] = &client_failed,   [CONTROL_GET_ECHO_CALLS] = &echo_calls,
    [CONTROL_GET_OTHER_CALLS] = &other_calls,       [CONTROL_GET_CLIENT_SLOWEST] = &client_slowest_us,
    [CONTROL_GET_SLOW_CALL] = &slow_call,           [CONTROL_GET_SLOW_DETAIL] = &slow_detail,
    [CONTROL_GET_HEAP_CALL] = &heap_call,           [CONTROL_GET_HEAP_DETAIL] = &heap_detail,
};
#define CONTROLS_IN(table) ((uint64_t)(sizeof table / sizeof table[0]))

/* An OP_SLOW / OP_HEAP report: kept when its figure (w2's low 48 bits) beats the kept one's. */
static void keep_the_larger(uint64_t* call, uint64_t* detail, uint64_t w2, uint64_t w3)
{
    if ((w2 & 0xFFFFFFFFFFFFull) > (*call & 0xFFFFFFFFFFFFull)) {
        *call = w2;
        *detail = w3;
    }
}

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t w0, int64_t w1, int64_t w2, int64_t w3)
{
    int64_t reply = ~w0;
    int control = (w0 == OP_CONTROL && (uint64_t)w1 == CONTROL_MAGIC) || ((w0 == OP_SLOW || w0 == OP_HEAP) && (uint64_t)w1 == REPORT_MAGIC);
    /* first thing, so a caller killed later in the handler leaves nothing behind (one killed at
     * this very call still does: see soak_init.c, "held by the pair") */
    if (!control && (azoth_handle_t)w3 != quit_event)
        (void)azoth_handle_close((azoth_handle_t)w3);
    if (w0 == OP_ECHO) {
        ++echo_calls;
        reply = (int64_t)echo_answer((uint64_t)w1, (uint64_t)w2, (uint64_t)w3);
    } else if (w0 == OP_REPORT && (uint64_t)w1 == REPORT_MAGIC) {
        if ((uint64_t)w2 <= 1u << 20) /* a report is ~128 calls; more is a module's own garbage */
            hostile_calls += (uint64_t)w2;
        reply = 0;
    } else if (w0 == OP_SLOW && (uint64_t)w1 == REPORT_MAGIC) {
        keep_the_larger(&slow_call, &slow_detail, (uint64_t)w2, (uint64_t)w3);
        return 0;
    } else if (w0 == OP_HEAP && (uint64_t)w1 == REPORT_MAGIC) {
        keep_the_larger(&heap_call, &heap_detail, (uint64_t)w2, (uint64_t)w3);
        return 0;
    } else if (w0 == OP_CONTROL && (uint64_t)w1 == CONTROL_MAGIC) {
        if ((uint64_t)w2 < CONTROLS_IN(answered_by_control) && answered_by_control[w2])
            return (int64_t)*answered_by_control[w2];
        if ((uint64_t)w2 < CONTROLS_IN(set_by_control) && set_by_control[w2]) {
            *set_by_control[w2] = (uint64_t)w3;
            return 0;
        }
        switch (w2) {
        case CONTROL_STOP: stopping = 1; return 0;
        case CONTROL_IS_STOPPING: return stopping;
        case CONTROL_QUIT: return azoth_event_signal(quit_event, 1);
        default: return -1;
        }
    } else {
        ++other_calls;
    }
    return reply;
}

int main(void)
{
    if (azoth_event_create(&quit_event) != AZOTH_OK) {
        printf("soak-echo: FAIL cannot create its event\n");
        return 1;
    }
    azoth_status_t status = serve_until_quit("soak-echo", quit_event);
    printf("soak-echo: quit (status %d): %llu echo calls, %llu hostile calls reported, %llu other calls\n", (int)status,
        (unsigned long long)echo_calls, (unsigned long long)hostile_calls, (unsigned long long)other_calls);
    return status == AZOTH_OK ? 0 : 1;
}
