#include "HostedServices.h"

#include <errno.h>
#include <poll.h>
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

Result<usize> HostedServices::write_console(Stream stream, ReadonlyBytes bytes)
{
    int fd = stream == Stream::Output ? 1 : 2;
    usize done = 0;
    bytes = bytes.slice(0, min(bytes.size(), max_console_write)); // a short write, as in the kernel
    while (done < bytes.size()) {
        ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (done > 0)
                break;
            return Error::from(ErrorCode::Busy, "console write failed");
        }
        done += static_cast<usize>(n);
    }
    return done;
}

Result<usize> HostedServices::read_console(Bytes buffer)
{
    while (true) {
        ssize_t n = read(0, buffer.data(), buffer.size());
        if (n >= 0)
            return static_cast<usize>(n);
        if (errno != EINTR)
            return Error::from(ErrorCode::Busy, "console read failed");
    }
}

Result<bool> HostedServices::wait_console_input(Optional<u64> deadline_ns)
{
    while (true) {
        int timeout_ms = -1;
        if (deadline_ns.has_value()) {
            u64 now = monotonic_ns();
            u64 left = *deadline_ns > now ? *deadline_ns - now : 0;
            timeout_ms = static_cast<int>(min<u64>((left + 999'999) / 1'000'000, 1u << 30));
        }
        pollfd descriptor { 0, POLLIN, 0 };
        int ready = poll(&descriptor, 1, timeout_ms);
        if (ready > 0)
            return true; // data, end of input or an error: read_console will not block
        if (ready == 0)
            return false;
        if (errno != EINTR)
            return Error::from(ErrorCode::Busy, "console poll failed");
    }
}

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
