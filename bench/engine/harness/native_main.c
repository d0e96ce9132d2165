/* Times a kernel compiled to native code: calls run() the given number of times and prints one
 * JSON object with the checksum, the wall seconds (CLOCK_MONOTONIC) and the CPU seconds
 * (CLOCK_PROCESS_CPUTIME_ID) of every call (timed_runs.h). */
#include "timed_runs.h"

unsigned run(void);

static unsigned run_kernel(void* unused)
{
    (void)unused;
    return run();
}

int main(int argc, char** argv)
{
    int repetitions = repetitions_argument(argc, argv);
    if (!repetitions)
        return 2;
    return timed_runs(repetitions, run_kernel, NULL);
}
