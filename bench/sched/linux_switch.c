/* The anchor: a Linux thread switch. Two threads pinned to one CPU hand it over with
 * sched_yield; the time per hand-over is what the kernel's module hand-over compares with. Also a
 * futex-free pipe ping-pong (a blocking wake-up, closer to a real IPC switch). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long rounds = 200000;
static int to_b[2], to_a[2];

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void pin(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void* yielder(void* unused)
{
    (void)unused;
    pin();
    for (long i = 0; i < rounds; ++i)
        sched_yield();
    return NULL;
}

static void* ponger(void* unused)
{
    (void)unused;
    pin();
    char byte;
    for (long i = 0; i < rounds; ++i) {
        if (read(to_b[0], &byte, 1) != 1 || write(to_a[1], &byte, 1) != 1)
            break;
    }
    return NULL;
}

int main(int argc, char** argv)
{
    if (argc > 1)
        rounds = strtol(argv[1], NULL, 10);
    pthread_t a, b;
    double start = now_ns();
    pthread_create(&a, NULL, yielder, NULL);
    pthread_create(&b, NULL, yielder, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    double yield_ns = (now_ns() - start) / (2.0 * rounds);

    if (pipe(to_b) != 0 || pipe(to_a) != 0)
        return 1;
    pin();
    pthread_create(&b, NULL, ponger, NULL);
    char byte = 1;
    start = now_ns();
    for (long i = 0; i < rounds; ++i) {
        if (write(to_b[1], &byte, 1) != 1 || read(to_a[0], &byte, 1) != 1)
            return 1;
    }
    double pipe_ns = (now_ns() - start) / (2.0 * rounds);
    pthread_join(b, NULL);
    printf("linux sched_yield hand-over %.0f ns\nlinux pipe ping-pong hand-over %.0f ns\n", yield_ns, pipe_ns);
    return 0;
}
