#pragma once

// Shared by the object and IPC tests: a malloc-backed allocator that counts live objects, so a
// test can check that revocation and teardown really free what they should.
#include <kernel/object/Object.h>

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

// An object kind with no behaviour, for table tests: an Event without waiters is the smallest.
} // namespace ath::object::test_support
