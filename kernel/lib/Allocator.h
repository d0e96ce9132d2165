#pragma once

// Where the kernel core gets memory: the Wasm engine (modules, stores, instances) and kernel
// objects ask through this one interface. Implementations (kernel/platform): the kernel heap when
// booted (KernelAllocator; AccountedAllocator charges a process), malloc hosted (MallocAllocator).
// They return memory aligned to `alignment` (a power of two <= 16) or nullptr. The destructor is
// protected: no user deletes one.
#include <kernel/lib/Types.h>

namespace ath {

class Allocator {
public:
    virtual void* allocate(usize size, usize alignment) = 0;
    virtual void deallocate(void* pointer, usize size, usize alignment) = 0;

protected:
    ~Allocator() = default;
};

} // namespace ath
