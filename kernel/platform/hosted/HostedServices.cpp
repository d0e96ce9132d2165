#include "HostedServices.h"

#include <errno.h>
#include <sched.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

namespace ath::hosted {

namespace {
u64 read_clock(clockid_t clock)
{
    timespec now {};
    clock_gettime(clock, &now);
    return static_cast<u64>(now.tv_sec) * 1'000'000'000ull + static_cast<u64>(now.tv_nsec);
}
} // namespace

u64 HostedServices::monotonic_ns() { return read_clock(CLOCK_MONOTONIC); }
u64 HostedServices::realtime_ns() { return read_clock(CLOCK_REALTIME); }

u64 HostedServices::clock_resolution_ns()
{
    timespec resolution {};
    clock_getres(CLOCK_MONOTONIC, &resolution);
    return static_cast<u64>(resolution.tv_sec) * 1'000'000'000ull + static_cast<u64>(resolution.tv_nsec);
}

ErrorOr HostedServices::fill_random(Bytes buffer)
{
    usize done = 0;
    while (done < buffer.size()) {
        ssize_t n = getrandom(buffer.data() + done, buffer.size() - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error::from(ErrorCode::Busy, "entropy source failed");
        }
        done += static_cast<usize>(n);
    }
    return {};
}

ErrorOr HostedServices::sleep_ns(u64 duration)
{
    timespec request { static_cast<time_t>(duration / 1'000'000'000ull), static_cast<long>(duration % 1'000'000'000ull) };
    while (nanosleep(&request, &request) != 0 && errno == EINTR) { }
    return {};
}

void HostedServices::yield() { sched_yield(); }

// No kill or watchdog reaches a hosted run from outside: a long call never has to stop.
ErrorOr HostedServices::checkpoint() { return {}; }

} // namespace ath::hosted
