#pragma once

// The engine's Allocator in the kernel: every byte of modules, stores and instances comes from the
// kernel heap (kmalloc/kfree). KernelAllocator is stateless, so one instance serves every process
// for what the kernel allocates on its own behalf (decoded modules). A process's Store uses an
// AccountedAllocator: the same heap, each allocation charged to the process's resource account
// (Resource::KernelHeapBytes) and refused when that or the free-frame floor would be passed.
// AccountLimiter is the Store's wasm::ResourceLimiter over the same account (table elements,
// linear-memory bytes).
#include <kernel/object/ResourceAccount.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

class KernelAllocator final : public wasm::Allocator {
public:
    void* allocate(usize size, usize alignment) override;
    void deallocate(void* pointer, usize size, usize alignment) override;

    static KernelAllocator& instance();
};

class AccountedAllocator final : public wasm::Allocator {
public:
    explicit AccountedAllocator(object::ResourceAccount& account) : m_account(account) { }
    void* allocate(usize size, usize alignment) override;
    void deallocate(void* pointer, usize size, usize alignment) override;

private:
    object::ResourceAccount& m_account;
};

// Header-only (no kernel heap involved), so hosted tests run the kernel's own limiter.
class AccountLimiter final : public wasm::ResourceLimiter {
public:
    explicit AccountLimiter(object::ResourceAccount& account) : m_account(account) { }
    bool table_growing(u64 current_elements, u64 desired_elements) override
    {
        return !m_account.charge(object::Resource::TableElements, desired_elements - current_elements).is_error();
    }
    void table_released(u64 elements) override { m_account.release(object::Resource::TableElements, elements); }
    bool memory_growing(u64 current_bytes, u64 desired_bytes) override
    {
        return !m_account.charge(object::Resource::MemoryBytes, desired_bytes - current_bytes).is_error();
    }
    void memory_released(u64 bytes) override { m_account.release(object::Resource::MemoryBytes, bytes); }

private:
    object::ResourceAccount& m_account;
};

} // namespace ath::sys
