#pragma once

// Platform seam: what the system-call layer (kernel/sys) needs from the machine it runs on: console
// streams, clocks, entropy, yielding. Implementations:
//   kernel  kernel/platform/kernel/KernelServices.h (console driver, arch clocks, ChaCha20 entropy)
//   hosted  kernel/platform/hosted/HostedServices.h (libc stdio and clocks; ./azoth exec, WASI tests)
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::sys {

class HostServices {
public:
    enum class Stream : u8 { Output, Error };

    // Writes at most max_console_write bytes of `bytes` and returns how many it took (a short
    // write, as fd_write allows), so one call cannot hold the CPU for the whole buffer.
    static constexpr usize max_console_write = 4096;
    virtual Result<usize> write_console(Stream stream, ReadonlyBytes bytes) = 0;
    // Blocks until at least one byte is available or the input ends (returns 0).
    virtual Result<usize> read_console(Bytes buffer) = 0;
    // For poll_oneoff: blocks until read_console would not block (true), the monotonic deadline
    // passes (false) or the caller must stop (an error). A deadline in the past only checks.
    virtual Result<bool> wait_console_input(Optional<u64> deadline_ns) = 0;

    virtual u64 monotonic_ns() = 0;
    virtual u64 realtime_ns() = 0;
    virtual u64 clock_resolution_ns() = 0;

    // Fills the whole buffer. Long fills pass through checkpoint() between chunks of
    // random_chunk bytes; an error (the checkpoint's) when the caller must stop part-way.
    static constexpr usize random_chunk = usize(16) * 1024;
    virtual ErrorOr fill_random(Bytes buffer) = 0;

    // Sleeps about `duration` (may end early: callers check the clock). An error when the caller
    // must stop instead (booted: its process is being killed), so a sleep loop does not spin.
    virtual ErrorOr sleep_ns(u64 duration) = 0;
    virtual void yield() = 0;

    // The safepoint of a long host call: call it between bounded pieces of work (every few
    // kilobytes copied, written or generated). It gives the CPU to other threads when the
    // scheduler wants it (time slice over, a more urgent thread runnable) and returns an error
    // (ErrorCode::Busy) when the caller must stop instead of continuing: booted, its thread is
    // being killed, is over its CPU limit (watchdog), or runs a handler in the Store of a server
    // that is being killed. On an error the call ends at once (with an errno such as fd_write's
    // short count or EAGAIN): the kill or watchdog takes effect at the module's next safepoint,
    // right after the call returns. Hosted (./azoth exec): never an error.
    virtual ErrorOr checkpoint() = 0;

protected:
    ~HostServices() = default;
};

} // namespace ath::sys
