#pragma once

// HostServices in the booted kernel (what WASI runs on; a process's stdio are its stream objects,
// kernel/object/Stream.h, over the console object):
//   clocks    monotonic = Arch::clock_nanoseconds (HPET on x86_64); realtime = the RTC read at
//             first use plus monotonic time since then (0 = the epoch when the platform has no RTC)
//   random    kernel/platform/kernel/KernelRandom (ChaCha20 seeded from RDRAND + timing)
//   sleep     parks the calling kernel thread (kernel/process/Threads wait_until); yield gives up the slice
// Every wait here ends early with an error when the thread must stop (process::must_stop_waiting:
// killed, or running a handler of a server that is being killed). Long calls are bounded:
// fill_random checks checkpoint() between chunks of random_chunk bytes.
#include <kernel/platform/HostServices.h>

namespace ath::sys {

class KernelServices final : public HostServices {
public:
    u64 monotonic_ns() override;
    u64 realtime_ns() override;
    u64 clock_resolution_ns() override;
    ErrorOr fill_random(Bytes buffer) override;
    ErrorOr sleep_ns(u64 duration) override;
    void yield() override;
    ErrorOr checkpoint() override;

    static KernelServices& instance();
};

} // namespace ath::sys
