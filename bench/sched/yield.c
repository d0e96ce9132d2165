/* Calls WASI sched_yield argv[1] times: two copies hand the CPU back and forth. */
#include <sched.h>
#include <stdlib.h>

int main(int argc, char** argv)
{
    long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    for (long i = 0; i < rounds; ++i)
        sched_yield();
    return 0;
}
