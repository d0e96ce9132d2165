/* soak_protocol.h: the words soak-echo, soak-client, soak-hostile and the soak's init exchange
 * through soak-echo's endpoint (tests/hardening/soak). Control calls carry 64-bit magics that
 * soak-hostile's random calls do not hit. */
#ifndef AZOTH_SOAK_PROTOCOL_H
#define AZOTH_SOAK_PROTOCOL_H

#include <stdint.h>

enum {
    OP_ECHO = 1,
    OP_REPORT = 3,  /* w1 = REPORT_MAGIC, w2 = calls made since the last report */
    OP_CONTROL = 4, /* w1 = CONTROL_MAGIC, w2 = one of below, w3 = its value */
    OP_SLOW = 5,    /* w1 = REPORT_MAGIC, w2 = import index << 48 | microseconds, w3 = its first two
                       arguments (a0 << 32 | a1 low bits): a slow non-blocking hostile call */
    OP_HEAP = 6,    /* the same for the call that grew the kernel heap most: w2 = index << 48 | frames */
};
#define REPORT_MAGIC 0x534F414B484F5354ull  /* "SOAKHOST" */
#define CONTROL_MAGIC 0x534F414B43544C21ull /* "SOAKCTL!" */

enum {
    CONTROL_STOP = 1,        /* the supervisor: the soak is over, the client should finish */
    CONTROL_IS_STOPPING = 2, /* the client: -> 1 once stopped */
    CONTROL_QUIT = 3,        /* the supervisor: soak-echo's _start returns */
    CONTROL_CLIENT_ANSWERED = 4,
    CONTROL_CLIENT_FAILED = 5,
    CONTROL_GET_HOSTILE_CALLS = 6,
    CONTROL_GET_CLIENT_ANSWERED = 7,
    CONTROL_GET_CLIENT_FAILED = 8,
    CONTROL_GET_ECHO_CALLS = 9,
    CONTROL_GET_OTHER_CALLS = 10,
    CONTROL_CLIENT_SLOWEST = 11, /* the client's slowest call, in us */
    CONTROL_GET_CLIENT_SLOWEST = 12,
    CONTROL_GET_SLOW_CALL = 13,   /* -> the slowest OP_SLOW's w2 */
    CONTROL_GET_SLOW_DETAIL = 14, /* -> its w3 */
    CONTROL_GET_HEAP_CALL = 15,
    CONTROL_GET_HEAP_DETAIL = 16,
};

/* What soak-echo answers to OP_ECHO (w1, w2, w3); the client computes the same. */
static inline uint64_t echo_answer(uint64_t w1, uint64_t w2, uint64_t w3)
{
    uint64_t x = w1 * 0x9E3779B97F4A7C15ull ^ w2 ^ (w3 << 1 | w3 >> 63);
    x ^= x >> 29;
    return x * 0xBF58476D1CE4E5B9ull;
}

/* xorshift64*: the random words of soak-hostile and the soak's init (state seeded non-zero). */
static inline uint64_t xorshift64star(uint64_t* state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1Dull;
}

#endif
