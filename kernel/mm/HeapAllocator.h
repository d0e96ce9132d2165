#pragma once

// A first-fit heap with boundary tags over caller-provided regions of memory.
//
// Every block starts with a 32-byte header (its size, its predecessor's size and a state tag), so
// freeing can merge with both neighbours in O(1) and a pointer that was never handed out, or is
// freed twice, is recognised instead of corrupting the heap. Free blocks sit on one list, linked
// through their payload. With poisoning on, freed payloads are filled with poison_byte and checked
// again when reused, which catches writes after free.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::mm {

class HeapAllocator {
public:
    static constexpr usize header_size = 32;
    static constexpr usize minimum_alignment = 16;
    static constexpr u8 poison_byte = 0xDE;
    static constexpr usize max_regions = 64;

    struct Statistics {
        usize region_bytes;
        usize allocated_bytes; // payload bytes of live blocks (rounded sizes)
        usize free_bytes;      // payload bytes of free blocks
        usize live_allocations;
        usize free_blocks;
    };

    explicit HeapAllocator(bool poison_freed) : m_poison_freed(poison_freed) { }
    HeapAllocator(const HeapAllocator&) = delete;
    HeapAllocator& operator=(const HeapAllocator&) = delete;

    // Hands `memory` to the heap. It must be 16-byte aligned and big enough for a block. A
    // `releasable` region is given back by release_if_empty() once nothing in it is allocated.
    ErrorOr add_region(Bytes memory, bool releasable = false);
    // If the releasable region holding `address` (a pointer just freed) has no live allocation
    // left, takes it out of the heap and returns its bytes (the caller unmaps them); none otherwise.
    Optional<Bytes> release_if_empty(const void* address);
    usize region_count() const { return m_region_count; }

    // `alignment` is a power of two; sizes and alignments below 16 are rounded up.
    Result<void*> allocate(usize size, usize alignment = minimum_alignment);
    // Errors, changing nothing, for null, foreign, misaligned or already-freed pointers.
    ErrorOr free(void* pointer);
    // The usable size of a live allocation.
    Result<usize> allocation_size(const void* pointer) const;

    // Walks every block and checks headers, links and poison; an Error names the first problem.
    ErrorOr check_integrity() const;
    Statistics statistics() const;
    bool poisons_freed_memory() const { return m_poison_freed; }

    struct Block; // public only so its layout can be checked; not part of the interface

private:
    Block* block_of(const void* pointer) const;
    void insert_free(Block*);
    void remove_free(Block*);
    Block* cut(Block*, usize first_size);
    Block* split(Block*, usize payload_size);
    void poison(void* bytes, usize size) const;
    bool poison_intact(const void* bytes, usize size) const;

    struct Region {
        u8* base;
        usize size;
        bool releasable;
    };
    Region m_regions[max_regions] {};
    usize m_region_count { 0 };
    Block* m_free_list { nullptr };
    bool m_poison_freed;
    usize m_live_allocations { 0 };
};

} // namespace ath::mm
