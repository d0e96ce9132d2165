/* ipc-bench: the module half of `bench-ipc` (bench/kernel-modes/BenchIpcMode.cpp). Calls the `echo`
 * endpoint of ipc-echo (tests/ipc/booted/ipc_echo.c, another process with its own Store and
 * thread) in batches and prints the best and median time per call, measured with the WASI
 * monotonic clock:
 *   bench-ipc: azoth_call_ns X ns            empty message (all words 0, results discarded)
 *   bench-ipc: azoth_call_4words_ns X ns     four words in (op + 3 operands), results back
 * and their _median_ns lines; then asks the server to quit. argv[1]: calls per batch. */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "booted_ipc.h"

#define BATCHES 31
enum { OP_PING = 0, OP_SUM = 1, OP_QUIT = 10 };

static azoth_handle_t echo;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static azoth_status_t ping(void* unused)
{
    (void)unused;
    return azoth_call(echo, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS);
}

static int compare(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static int measure(const char* key, int four_words, uint32_t calls)
{
    double per_call[BATCHES];
    uint64_t words[4];
    for (int batch = 0; batch < BATCHES; ++batch) {
        uint64_t start = now_ns();
        for (uint32_t i = 0; i < calls; ++i) {
            azoth_status_t status = four_words ? azoth_call(echo, OP_SUM, i, 2, 3, words)
                                               : azoth_call(echo, OP_PING, 0, 0, 0, AZOTH_NO_RESULTS);
            if (status != AZOTH_OK || (four_words && words[0] != (uint64_t)i + 5)) {
                printf("bench-ipc: FAIL %s: call %u gave status %d\n", key, i, (int)status);
                return 0;
            }
        }
        per_call[batch] = (double)(now_ns() - start) / calls;
    }
    qsort(per_call, BATCHES, sizeof per_call[0], compare);
    printf("bench-ipc: %s_ns %.1f ns\nbench-ipc: %s_median_ns %.1f ns\n", key, per_call[0], key, per_call[BATCHES / 2]);
    fflush(stdout);
    return 1;
}

int main(int argc, char** argv)
{
    uint32_t calls = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000;
    azoth_status_t status = find_service("echo", &echo, ping, NULL, 2);
    if (status != AZOTH_OK) {
        printf("bench-ipc: FAIL cannot reach echo (status %d)\n", (int)status);
        return 1;
    }
    int ok = measure("azoth_call", 0, calls) && measure("azoth_call_4words", 1, calls);
    azoth_call(echo, OP_QUIT, 0, 0, 0, AZOTH_NO_RESULTS);
    return ok ? 0 : 1;
}
