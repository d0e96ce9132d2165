/* soak-client: the well-behaved client of the soak (tests/hardening/soak). Calls soak-echo's
 * OP_ECHO continuously with fresh words and checks every answer; an error status or a wrong
 * answer is a failure, printed at once ("soak-client: FAIL ..."). Every CHECK_EVERY calls it asks
 * soak-echo whether the supervisor stopped the soak; then it reports its counts to soak-echo and
 * prints them, and exits 0 only when every call was answered correctly. A progress line every
 * 10 s shows it kept being served while the hostile modules ran. */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "soak_protocol.h"

#define CHECK_EVERY 64

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t state = 0x243F6A8885A308D3ull;
static uint64_t next(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
}

static azoth_handle_t echo;

static azoth_status_t control(uint64_t what, uint64_t value, uint64_t* result)
{
    uint64_t words[4] = { 0 };
    azoth_status_t status = azoth_call(echo, OP_CONTROL, CONTROL_MAGIC, what, value, words);
    *result = words[0];
    return status;
}

int main(void)
{
    uint64_t start = now_ns();
    while (azoth_handle_find("echo", 4, &echo) != AZOTH_OK) {
        if (now_ns() - start > 30000000000ull) {
            printf("soak-client: FAIL soak-echo never appeared\n");
            return 1;
        }
        struct timespec pause = { 0, 10000000 };
        nanosleep(&pause, NULL);
    }
    printf("soak-client: calling soak-echo\n");
    fflush(stdout);
    uint64_t answered = 0, failed = 0, sequence = 0, last_progress = now_ns(), slowest = 0;
    for (;;) {
        uint64_t w2 = next(), w3 = next();
        uint64_t results[4] = { 0 };
        uint64_t before = now_ns();
        azoth_status_t status = azoth_call(echo, OP_ECHO, sequence, w2, w3, results);
        uint64_t took = now_ns() - before;
        if (took > slowest)
            slowest = took;
        if (status != AZOTH_OK || results[0] != echo_answer(sequence, w2, w3)) {
            ++failed;
            if (failed <= 20)
                printf("soak-client: FAIL call %llu: status %d, answer %llx, expected %llx\n", (unsigned long long)sequence,
                    (int)status, (unsigned long long)results[0], (unsigned long long)echo_answer(sequence, w2, w3));
            fflush(stdout);
        } else {
            ++answered;
        }
        ++sequence;
        if (sequence % CHECK_EVERY == 0) {
            uint64_t stopping = 0;
            if (control(CONTROL_IS_STOPPING, 0, &stopping) != AZOTH_OK) {
                ++failed;
                printf("soak-client: FAIL the stop query was not answered\n");
            } else if (stopping == 1) {
                break;
            }
            if (now_ns() - last_progress > 10000000000ull) {
                last_progress = now_ns();
                printf("soak-client: progress %llu answered, %llu failed, slowest call %llu us\n", (unsigned long long)answered,
                    (unsigned long long)failed, (unsigned long long)(slowest / 1000));
                fflush(stdout);
            }
        }
    }
    uint64_t ignored = 0;
    if (control(CONTROL_CLIENT_ANSWERED, answered, &ignored) != AZOTH_OK || control(CONTROL_CLIENT_FAILED, failed, &ignored) != AZOTH_OK
        || control(CONTROL_CLIENT_SLOWEST, slowest / 1000, &ignored) != AZOTH_OK)
        printf("soak-client: FAIL could not report its counts\n");
    printf("soak-client: done: %llu calls, %llu answered, %llu failed, slowest call %llu us\n", (unsigned long long)sequence,
        (unsigned long long)answered, (unsigned long long)failed, (unsigned long long)(slowest / 1000));
    fflush(stdout);
    return failed == 0 && answered > 0 ? 0 : 1;
}
