#pragma once

// Parking a thread on a 32-bit word until another thread changes it (futex-like). The kernel's
// scheduler provides it (kernel/process/KernelWait.h); the hosted build uses Linux futexes
// (kernel/arch/hosted/HostedWait.h).
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

// What a wait through a handle re-checks after every wake-up: `holds(context)` false ends the wait
// (the handle it was made through was revoked or closed). Objects wake their waiters when one of
// their handles goes (Object::handle_dropped), so the wait ends at once, not at its deadline.
struct WaitCondition {
    bool (*holds)(const void* context) { nullptr };
    const void* context { nullptr };
    bool broken() const { return holds && !holds(context); }
};

} // namespace ath::object
