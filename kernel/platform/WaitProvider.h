#pragma once

// Platform seam: parking a thread on a 32-bit word until another thread changes it (futex-like),
// for events, channels and calls (kernel/object, kernel/ipc). Implementations:
//   kernel  kernel/platform/kernel/KernelWait.h (the scheduler; every wait through process::wait_until)
//   hosted  kernel/platform/hosted/HostedWait.h (Linux futexes on CLOCK_MONOTONIC deadlines)
#include <kernel/lib/Types.h>

namespace ath::object {

// Interrupted: the waiting thread is being killed and must stop waiting (kernel provider only).
enum class WaitOutcome : u8 { Woken, ValueChanged, TimedOut, Interrupted };

class WaitProvider {
public:
    // Sleeps while *word == expected, until woken or until the monotonic clock passes
    // `deadline_ns` (~0 = forever). May return spuriously; callers re-check their condition.
    virtual WaitOutcome wait(const u32* word, u32 expected, u64 deadline_ns) = 0;
    virtual void wake_all(const u32* word) = 0;
    virtual u64 now_ns() = 0;

protected:
    ~WaitProvider() = default;
};

inline constexpr u64 wait_forever = ~0ull;

} // namespace ath::object
