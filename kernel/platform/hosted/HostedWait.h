#pragma once

// WaitProvider for the hosted build: Linux futexes on CLOCK_MONOTONIC deadlines.
#include <kernel/object/Waiting.h>

namespace ath::hosted {

class FutexWaitProvider final : public object::WaitProvider {
public:
    object::WaitOutcome wait(const u32* word, u32 expected, u64 deadline_ns) override;
    void wake_all(const u32* word) override;
    u64 now_ns() override;
};

} // namespace ath::hosted
