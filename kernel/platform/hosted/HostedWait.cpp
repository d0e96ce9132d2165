#include "HostedWait.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace ath::hosted {

u64 FutexWaitProvider::now_ns()
{
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<u64>(now.tv_sec) * 1'000'000'000ull + static_cast<u64>(now.tv_nsec);
}

object::WaitOutcome FutexWaitProvider::wait(const u32* word, u32 expected, u64 deadline_ns)
{
    timespec deadline {};
    timespec* timeout = nullptr;
    if (deadline_ns != object::wait_forever) {
        deadline.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000ull);
        deadline.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000ull);
        timeout = &deadline;
    }
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so retries do not stretch it.
    long result = syscall(SYS_futex, word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, timeout, nullptr, FUTEX_BITSET_MATCH_ANY);
    if (result == 0)
        return object::WaitOutcome::Woken;
    return errno == ETIMEDOUT ? object::WaitOutcome::TimedOut : object::WaitOutcome::ValueChanged;
}

void FutexWaitProvider::wake_all(const u32* word)
{
    syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, nullptr, nullptr, 0);
}

} // namespace ath::hosted
