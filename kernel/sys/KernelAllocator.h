#pragma once

// The engine's Allocator in the kernel: every byte of modules, stores and instances comes from the
// kernel heap (kmalloc/kfree). Stateless, so one instance serves every process.
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

class KernelAllocator final : public wasm::Allocator {
public:
    void* allocate(usize size, usize alignment) override;
    void deallocate(void* pointer, usize size, usize alignment) override;

    static KernelAllocator& instance();
};

} // namespace ath::sys
