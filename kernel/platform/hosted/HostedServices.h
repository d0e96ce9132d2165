#pragma once

// HostServices for the hosted build: clocks are clock_gettime, entropy is getrandom(2). (A module's
// stdio: HostedConsole.h.)
#include <kernel/platform/HostServices.h>

namespace ath::hosted {

class HostedServices final : public sys::HostServices {
public:
    u64 monotonic_ns() override;
    u64 realtime_ns() override;
    u64 clock_resolution_ns() override;
    ErrorOr fill_random(Bytes buffer) override;
    ErrorOr sleep_ns(u64 duration) override;
    void yield() override;
    ErrorOr checkpoint() override;
};

} // namespace ath::hosted
