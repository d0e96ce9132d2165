#include <kernel/mm/KernelHeap.h>
#include <kernel/sys/KernelAllocator.h>

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

} // namespace ath::sys
