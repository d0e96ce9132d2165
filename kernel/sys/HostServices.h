#pragma once

// What the system-call layer needs from the machine it runs on. The kernel implements it with its
// console driver, clocks and entropy source; the hosted build (./azoth exec) with libc.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::sys {

class HostServices {
public:
    enum class Stream : u8 { Output, Error };

    virtual Result<usize> write_console(Stream stream, ReadonlyBytes bytes) = 0;
    // Blocks until at least one byte is available or the input ends (returns 0).
    virtual Result<usize> read_console(Bytes buffer) = 0;
    // For poll_oneoff: blocks until read_console would not block (true), the monotonic deadline
    // passes (false) or the caller must stop (an error). A deadline in the past only checks.
    virtual Result<bool> wait_console_input(Optional<u64> deadline_ns) = 0;

    virtual u64 monotonic_ns() = 0;
    virtual u64 realtime_ns() = 0;
    virtual u64 clock_resolution_ns() = 0;

    virtual ErrorOr fill_random(Bytes buffer) = 0;

    // Sleeps about `duration` (may end early: callers check the clock). An error when the caller
    // must stop instead (booted: its process is being killed), so a sleep loop does not spin.
    virtual ErrorOr sleep_ns(u64 duration) = 0;
    virtual void yield() = 0;

protected:
    ~HostServices() = default;
};

} // namespace ath::sys
