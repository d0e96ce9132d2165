#pragma once

// The kernel heap: kmalloc/kfree over a HeapAllocator whose regions are mapped on demand in the
// heap window (kernel/mm/MemoryLayout.h). operator new/delete use it too; new of an object whose
// size comes from input should use `new (nothrow)` and check for null.
#include <kernel/lib/Result.h>
#include <kernel/mm/HeapAllocator.h>

namespace ath {


Result<void*> kmalloc(usize size, usize alignment = mm::HeapAllocator::minimum_alignment);
// Freeing something that is not a live allocation is a kernel bug: it panics with the reason.
// A growth region of the heap whose last allocation is freed is unmapped and its frames freed, so
// the frames a module's Store took come back when it ends (the first 4 MiB stay mapped).
void kfree(void* pointer);
// The usable size of a live kmalloc allocation (what accounting charges).
Result<usize> kmalloc_size(const void* pointer);

namespace mm {

ErrorOr init_kernel_heap();
HeapAllocator& kernel_heap();
// Bytes of the heap window currently mapped.
u64 kernel_heap_mapped_bytes();
// Bytes of growth regions given back to the frame allocator since boot.
u64 kernel_heap_released_bytes();

} // namespace mm

} // namespace ath

namespace std {
struct nothrow_t {
    explicit nothrow_t() = default;
};
extern const nothrow_t nothrow;
enum class align_val_t : ath::usize {};
} // namespace std

void* operator new(ath::usize size, const std::nothrow_t&) noexcept;
void* operator new[](ath::usize size, const std::nothrow_t&) noexcept;
