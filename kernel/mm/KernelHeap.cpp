#include <kernel/arch/Arch.h>
#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/lib/Format.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/mm/VirtualRangeAllocator.h>

namespace ath {

namespace mm {

namespace {

constexpr u64 initial_heap_bytes = 4ULL << 20;
constexpr u64 growth_step_bytes = 4ULL << 20;

alignas(HeapAllocator) u8 g_heap_storage[sizeof(HeapAllocator)];
HeapAllocator* g_heap = nullptr;
alignas(VirtualRangeAllocator) u8 g_window_storage[sizeof(VirtualRangeAllocator)];
VirtualRangeAllocator* g_window = nullptr; // which parts of the heap window are in use
u64 g_mapped_bytes = 0;
u64 g_released_bytes = 0;
SpinLock g_heap_lock;

// Unmaps `bytes` at `base` and frees their frames.
void unmap_and_free(VirtualAddress base, u64 bytes)
{
    for (u64 offset = 0; offset < bytes; offset += page_size) {
        auto physical = Arch::Mmu::translate(base.offset(offset));
        (void)Arch::Mmu::unmap(base.offset(offset), 1);
        if (physical.has_value())
            (void)physical_frames().free(*physical);
    }
}

// Maps `bytes` more of the heap window (fresh frames, one at a time: the heap need not be
// physically contiguous) and gives them to the allocator as a region. Every region but the first
// is releasable: when its last allocation is freed, kfree gives its frames back (release_region).
ErrorOr grow_heap(u64 bytes)
{
    bytes = align_up(bytes, page_size);
    auto range = g_window->allocate(bytes);
    if (range.is_error())
        return Error::from(ErrorCode::OutOfMemory, "kernel heap window is full");
    VirtualAddress base = range.value().base;
    for (u64 offset = 0; offset < bytes; offset += page_size) {
        auto frame = physical_frames().allocate();
        ErrorOr mapped = frame.is_error() ? ErrorOr(frame.error())
                                          : Arch::Mmu::map(base.offset(offset), frame.value(), 1, PageAccess::Write);
        if (mapped.is_error()) {
            // Give back what this attempt took so a failed growth leaves no trace.
            if (frame.has_value())
                (void)physical_frames().free(frame.value());
            unmap_and_free(base, offset);
            (void)g_window->free(range.value());
            return mapped.release_error();
        }
    }
    if (auto added = g_heap->add_region(Bytes(base.as_ptr<u8>(), bytes), /* releasable */ g_mapped_bytes != 0); added.is_error()) {
        unmap_and_free(base, bytes);
        (void)g_window->free(range.value());
        return added.release_error();
    }
    g_mapped_bytes += bytes;
    return {};
}

// A region the heap gave back (release_if_empty): its frames go back to the frame allocator.
void release_region(Bytes region)
{
    VirtualAddress base(reinterpret_cast<uptr>(region.data()));
    unmap_and_free(base, region.size());
    VERIFY(!g_window->free(VirtualRange { base, region.size() }).is_error());
    g_mapped_bytes -= region.size();
    g_released_bytes += region.size();
}

} // namespace

ErrorOr init_kernel_heap()
{
    g_heap = new (g_heap_storage) HeapAllocator(ATH_HEAP_POISON != 0);
    auto window = TRY(VirtualRangeAllocator::create(VirtualRange { VirtualAddress(heap_window_base), heap_window_size }));
    g_window = new (g_window_storage) VirtualRangeAllocator(move(window));
    TRY(grow_heap(initial_heap_bytes));
    println("athanor: heap: {} KiB mapped at {:#x}, freed-memory poisoning {}", g_mapped_bytes >> 10,
            heap_window_base, g_heap->poisons_freed_memory() ? "on" : "off");
    return {};
}

HeapAllocator& kernel_heap()
{
    VERIFY(g_heap);
    return *g_heap;
}

u64 kernel_heap_mapped_bytes() { return g_mapped_bytes; }
u64 kernel_heap_released_bytes() { return g_released_bytes; }

} // namespace mm

Result<void*> kmalloc(usize size, usize alignment)
{
    // Interrupts stay masked while the heap is locked, so an interrupt handler may allocate too.
    InterruptsDisabled no_interrupts;
    ScopedLock lock(mm::g_heap_lock);
    auto& heap = mm::kernel_heap();
    auto allocation = heap.allocate(size, alignment);
    // A corrupted heap is a kernel bug (someone wrote to freed memory), not a condition to report.
    if (allocation.is_error() && allocation.error().code == ErrorCode::Invalid)
        PANIC(allocation.error().reason);
    if (allocation.has_value() || allocation.error().code != ErrorCode::OutOfMemory)
        return allocation;
    // Grow by at least the request (plus room for headers and alignment), then retry once.
    auto needed = checked_add<u64>(size, alignment + 2 * mm::HeapAllocator::header_size);
    if (!needed.has_value())
        return allocation;
    TRY(mm::grow_heap(max<u64>(*needed, mm::growth_step_bytes)));
    return heap.allocate(size, alignment);
}

void kfree(void* pointer)
{
    if (!pointer)
        return;
    InterruptsDisabled no_interrupts;
    ScopedLock lock(mm::g_heap_lock);
    auto freed = mm::kernel_heap().free(pointer);
    if (freed.is_error())
        PANIC(freed.error().reason);
    // A growth region with nothing left in it goes back to the frame allocator.
    if (auto empty = mm::kernel_heap().release_if_empty(pointer); empty.has_value())
        mm::release_region(*empty);
}

Result<usize> kmalloc_size(const void* pointer)
{
    InterruptsDisabled no_interrupts;
    ScopedLock lock(mm::g_heap_lock);
    return mm::kernel_heap().allocation_size(pointer);
}

} // namespace ath

namespace std {
const nothrow_t nothrow {};
}

using ath::usize;

void* operator new(usize size)
{
    auto allocation = ath::kmalloc(size);
    if (allocation.is_error())
        PANIC("operator new: out of kernel heap (use new (std::nothrow) for input-sized objects)");
    return allocation.value();
}
void* operator new[](usize size) { return operator new(size); }
void* operator new(usize size, const std::nothrow_t&) noexcept { return ath::kmalloc(size).value_or(nullptr); }
void* operator new[](usize size, const std::nothrow_t&) noexcept { return ath::kmalloc(size).value_or(nullptr); }
void* operator new(usize size, std::align_val_t alignment)
{
    auto allocation = ath::kmalloc(size, static_cast<usize>(alignment));
    if (allocation.is_error())
        PANIC("operator new: out of kernel heap");
    return allocation.value();
}
void operator delete(void* pointer) noexcept { ath::kfree(pointer); }
void operator delete[](void* pointer) noexcept { ath::kfree(pointer); }
void operator delete(void* pointer, usize) noexcept { ath::kfree(pointer); }
void operator delete[](void* pointer, usize) noexcept { ath::kfree(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { ath::kfree(pointer); }
void operator delete(void* pointer, usize, std::align_val_t) noexcept { ath::kfree(pointer); }
