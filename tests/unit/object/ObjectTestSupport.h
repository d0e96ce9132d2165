#pragma once

// Shared by the object and IPC tests: a malloc-backed allocator that counts live objects, so a
// test can check that revocation and teardown really free what they should.
#include <kernel/object/HandleTable.h>
#include <kernel/object/Object.h>
#include <kernel/object/Waiting.h>

#include <cstdlib>

namespace ath::object::test_support {

class CountingAllocator final : public ObjectAllocator {
public:
    void* allocate(usize size, usize alignment) override
    {
        void* memory = std::aligned_alloc(alignment < 16 ? 16 : alignment, (size + 15) / 16 * 16);
        if (memory)
            ++live;
        return memory;
    }
    void deallocate(void* pointer, usize, usize) override
    {
        --live;
        std::free(pointer);
    }
    ~CountingAllocator() = default;

    int live { 0 };
};

// A WaitProvider for tests that never block: every wait times out at once, the clock stands at 0,
// and wake_all only counts its calls and keeps the word it was given last.
class NoWaiting final : public WaitProvider {
public:
    WaitOutcome wait(const u32*, u32, u64) override { return WaitOutcome::TimedOut; }
    void wake_all(const u32* word) override
    {
        ++wakes;
        woken = word;
    }
    u64 now_ns() override { return 0; }

    int wakes { 0 };
    const u32* woken { nullptr };
};

// What most object tests start from: a counting allocator, a waiter that never blocks, and one
// capability space for the processes a test makes.
struct ObjectWorld {
    CountingAllocator allocator;
    NoWaiting waiting;
    CapabilitySpace space;
};

// An object kind with no behaviour, for table tests: an Event without waiters is the smallest.
} // namespace ath::object::test_support
