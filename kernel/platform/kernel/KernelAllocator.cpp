#include <kernel/mm/KernelHeap.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath::sys {

void* KernelAllocator::allocate(usize size, usize alignment)
{
    // The engine asks for size 0 now and then (empty vectors); the heap wants at least one byte.
    auto memory = kmalloc(size == 0 ? 1 : size, max(alignment, mm::HeapAllocator::minimum_alignment));
    return memory.is_error() ? nullptr : memory.value();
}

void KernelAllocator::deallocate(void* pointer, usize, usize)
{
    if (pointer)
        kfree(pointer);
}

KernelAllocator& KernelAllocator::instance()
{
    // No state: a function-local object needs no constructor to run at boot.
    static KernelAllocator allocator;
    return allocator;
}

void* AccountedAllocator::allocate(usize size, usize alignment)
{
    // A module-driven allocation never takes the last frames (the heap would have to grow into them):
    // the floor linear memories and regions keep too.
    u64 pages = (static_cast<u64>(size) + page_size - 1) / page_size;
    if (!KernelLinearMemory::leaves_reserve(pages))
        return nullptr;
    auto memory = kmalloc(size == 0 ? 1 : size, max(alignment, mm::HeapAllocator::minimum_alignment));
    if (memory.is_error())
        return nullptr;
    // Charged by what the heap really handed out, so deallocate gives back exactly the same.
    usize charged = kmalloc_size(memory.value()).value_or(size);
    if (m_account.charge(object::Resource::KernelHeapBytes, charged).is_error()) {
        kfree(memory.value());
        return nullptr;
    }
    return memory.value();
}

void AccountedAllocator::deallocate(void* pointer, usize, usize)
{
    if (!pointer)
        return;
    auto size = kmalloc_size(pointer);
    VERIFY(size.has_value()); // the engine frees only what it allocated
    m_account.release(object::Resource::KernelHeapBytes, size.value());
    kfree(pointer);
}

} // namespace ath::sys
