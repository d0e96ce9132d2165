#pragma once

// HostServices for the hosted build: the module's console is this process's stdio, clocks are
// clock_gettime, entropy is getrandom(2).
#include <kernel/platform/HostServices.h>

namespace ath::hosted {

class HostedServices final : public sys::HostServices {
public:
    Result<usize> write_console(Stream stream, ReadonlyBytes bytes) override;
    Result<usize> read_console(Bytes buffer) override;
    Result<bool> wait_console_input(Optional<u64> deadline_ns) override;
    u64 monotonic_ns() override;
    u64 realtime_ns() override;
    u64 clock_resolution_ns() override;
    ErrorOr fill_random(Bytes buffer) override;
    ErrorOr sleep_ns(u64 duration) override;
    void yield() override;
    ErrorOr checkpoint() override;
};

} // namespace ath::hosted
