#pragma once

// Platform seam: what the system-call layer (kernel/sys) needs from the machine it runs on: clocks,
// entropy, sleeping, yielding. (A module's standard streams are not here: they are stream objects,
// kernel/object/Stream.h, that its WasiContext holds.) Implementations:
//   kernel  kernel/platform/kernel/KernelServices.h (arch clocks, ChaCha20 entropy)
//   hosted  kernel/platform/hosted/HostedServices.h (libc clocks; ./azoth exec, WASI tests)
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::sys {

class HostServices {
public:
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
