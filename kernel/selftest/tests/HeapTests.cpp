// The kernel heap (kmalloc/kfree, operator new) and the allocator's checks.
#include <kernel/mm/KernelHeap.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

ATH_SELFTEST(heap_many_sizes_keep_their_bytes)
{
    constexpr usize count = 96;
    static u8* blocks[count];
    static usize sizes[count];
    auto before = mm::kernel_heap().statistics();
    for (usize i = 0; i < count; ++i) {
        sizes[i] = 1 + (i * 977) % 9000; // 1 byte .. ~9 KB, irregular
        blocks[i] = static_cast<u8*>(TRY(kmalloc(sizes[i])));
        EXPECT(reinterpret_cast<uptr>(blocks[i]) % 16 == 0);
        for (usize b = 0; b < sizes[i]; ++b)
            blocks[i][b] = static_cast<u8>(i + b);
    }
    // Free every other block, then check the survivors were not disturbed by the merges.
    for (usize i = 0; i < count; i += 2)
        kfree(blocks[i]);
    for (usize i = 1; i < count; i += 2) {
        for (usize b = 0; b < sizes[i]; ++b) {
            if (blocks[i][b] != static_cast<u8>(i + b))
                return selftest::failure("block {} byte {} changed", i, b);
        }
    }
    for (usize i = 1; i < count; i += 2)
        kfree(blocks[i]);
    TRY(mm::kernel_heap().check_integrity());
    auto after = mm::kernel_heap().statistics();
    EXPECT(after.live_allocations == before.live_allocations);
    EXPECT(after.allocated_bytes == before.allocated_bytes);
    return {};
}

ATH_SELFTEST(heap_alignment_requests)
{
    void* blocks[9];
    for (usize shift = 4; shift <= 12; ++shift) {
        usize alignment = usize(1) << shift;
        blocks[shift - 4] = TRY(kmalloc(24 + shift, alignment));
        EXPECT(reinterpret_cast<uptr>(blocks[shift - 4]) % alignment == 0);
    }
    EXPECT(kmalloc(16, 24).is_error()); // not a power of two
    for (auto* block : blocks)
        kfree(block);
    TRY(mm::kernel_heap().check_integrity());
    return {};
}

ATH_SELFTEST(heap_detects_double_and_foreign_free)
{
    auto& heap = mm::kernel_heap();
    void* block = TRY(kmalloc(100));
    TRY(heap.free(block));
    auto second = heap.free(block);
    EXPECT(second.is_error());
    static u64 not_from_heap[4];
    EXPECT(heap.free(not_from_heap).is_error());
    void* other = TRY(kmalloc(64));
    EXPECT(heap.free(static_cast<u8*>(other) + 16).is_error()); // inside an allocation
    kfree(other);
    TRY(heap.check_integrity());
    return {};
}

ATH_SELFTEST(heap_poisons_freed_memory_and_catches_use_after_free)
{
    // A private heap over a kernel allocation, so the test can corrupt it on purpose.
    constexpr usize arena_size = usize(16) * 1024;
    u8* arena = static_cast<u8*>(TRY(kmalloc(arena_size)));
    mm::HeapAllocator heap(true);
    TRY(heap.add_region(Bytes(arena, arena_size)));
    auto* block = static_cast<u8*>(TRY(heap.allocate(256)));
    auto* neighbour = static_cast<u8*>(TRY(heap.allocate(256)));
    (void)neighbour;
    for (usize i = 0; i < 256; ++i)
        block[i] = 0x11;
    TRY(heap.free(block));
    for (usize i = 0; i < 256; ++i) {
        if (block[i] != mm::HeapAllocator::poison_byte) {
            kfree(arena);
            return selftest::failure("freed byte {} is {:#x}, not poison", i, block[i]);
        }
    }
    TRY(heap.check_integrity());
    block[100] = 0x77; // a write after free
    auto verdict = heap.check_integrity();
    kfree(arena);
    EXPECT(verdict.is_error());
    return {};
}

ATH_SELFTEST(heap_grows_past_its_initial_size)
{
    u64 mapped_before = mm::kernel_heap_mapped_bytes();
    usize size = usize(mapped_before) + usize(1024) * 1024; // more than the whole heap had
    auto* big = static_cast<u8*>(TRY(kmalloc(size)));
    big[0] = 1;
    big[size - 1] = 2;
    EXPECT(mm::kernel_heap_mapped_bytes() > mapped_before);
    kfree(big);
    // operator new / delete for kernel objects go through the same heap.
    struct Object {
        u64 values[10];
    };
    auto* object = new (std::nothrow) Object {};
    // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): Object {} zeroes values; the analyzer misses that value-initialisation after the kernel's operator new
    EXPECT(object != nullptr && object->values[9] == 0);
    delete object;
    TRY(mm::kernel_heap().check_integrity());
    return {};
}

} // namespace ath
