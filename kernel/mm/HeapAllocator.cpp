#include <kernel/lib/Bits.h>
#include <kernel/mm/HeapAllocator.h>

namespace ath::mm {

// Block states: distinctive values so a stray pointer is unlikely to look like a header.
enum class BlockState : u32 {
    Allocated = 0xA110CA7E,
    Free = 0xF3EEB10C,
    End = 0xE4D0F4EA, // the zero-sized sentinel closing a region
};

struct HeapAllocator::Block {
    usize size;          // whole block including the header; a multiple of 16
    usize previous_size; // 0 for the first block of a region
    BlockState state;
    u32 header_check;    // ~low bits of size: catches a header overwritten by an overflow
    // Free list links live in the header's tail, so a free block's payload is all poison.
    Block* next_free;

    u8* payload() { return reinterpret_cast<u8*>(this) + header_size; }
    const u8* payload() const { return reinterpret_cast<const u8*>(this) + header_size; }
    usize payload_size() const { return size - header_size; }
    Block* next() { return reinterpret_cast<Block*>(reinterpret_cast<u8*>(this) + size); }
    Block* previous() { return reinterpret_cast<Block*>(reinterpret_cast<u8*>(this) - previous_size); }
    void seal() { header_check = ~static_cast<u32>(size); }
    bool sealed() const { return header_check == ~static_cast<u32>(size); }
};
static_assert(sizeof(HeapAllocator::Block) == HeapAllocator::header_size);

namespace {
// The free list is singly linked; removal walks it. Blocks are few compared to allocations in the
// kernel's use, and keeping the header at 32 bytes matters more.
constexpr usize minimum_block = HeapAllocator::header_size + HeapAllocator::minimum_alignment;
}

ErrorOr HeapAllocator::add_region(Bytes memory, bool releasable)
{
    if (m_region_count == max_regions)
        return Error::from(ErrorCode::Exhausted, "heap region table is full");
    auto base = reinterpret_cast<uptr>(memory.data());
    if (base % minimum_alignment != 0)
        return Error::from(ErrorCode::InvalidArgument, "heap region is not 16-byte aligned");
    usize size = align_down(memory.size(), minimum_alignment);
    if (size < minimum_block + header_size)
        return Error::from(ErrorCode::InvalidArgument, "heap region too small");

    auto* first = reinterpret_cast<Block*>(memory.data());
    first->size = size - header_size;
    first->previous_size = 0;
    first->state = BlockState::Free;
    first->seal();
    Block* end = first->next();
    end->size = 0;
    end->previous_size = first->size;
    end->state = BlockState::End;
    end->seal();
    end->next_free = nullptr;
    poison(first->payload(), first->payload_size());
    insert_free(first);
    m_regions[m_region_count++] = Region { memory.data(), size, releasable };
    return {};
}

Optional<Bytes> HeapAllocator::release_if_empty(const void* address)
{
    auto where = reinterpret_cast<uptr>(address);
    for (usize i = 0; i < m_region_count; ++i) {
        Region region = m_regions[i];
        auto base = reinterpret_cast<uptr>(region.base);
        if (where < base || where - base >= region.size)
            continue;
        auto* first = reinterpret_cast<Block*>(region.base);
        // Empty: one free block spanning the region, followed by the region's end sentinel.
        if (!region.releasable || first->state != BlockState::Free || first->next()->state != BlockState::End)
            return none;
        remove_free(first);
        for (usize j = i + 1; j < m_region_count; ++j)
            m_regions[j - 1] = m_regions[j];
        m_regions[--m_region_count] = Region {};
        return Bytes(region.base, region.size);
    }
    return none;
}

void HeapAllocator::insert_free(Block* block)
{
    block->state = BlockState::Free;
    block->next_free = m_free_list;
    m_free_list = block;
}

void HeapAllocator::remove_free(Block* block)
{
    Block** link = &m_free_list;
    while (*link && *link != block)
        link = &(*link)->next_free;
    VERIFY(*link == block);
    *link = block->next_free;
    block->next_free = nullptr;
}

void HeapAllocator::poison(void* bytes, usize size) const
{
    if (!m_poison_freed)
        return;
    __builtin_memset(bytes, poison_byte, size); // word stores: a Store's teardown frees megabytes
}

bool HeapAllocator::poison_intact(const void* bytes, usize size) const
{
    if (!m_poison_freed)
        return true;
    // A word at a time where aligned (allocations of a Store's stacks check megabytes).
    auto* data = static_cast<const u8*>(bytes);
    usize i = 0;
    for (; i < size && (reinterpret_cast<uptr>(data + i) & 7) != 0; ++i) {
        if (data[i] != poison_byte)
            return false;
    }
    constexpr u64 poison_word = poison_byte * 0x0101010101010101ull;
    for (; i + 8 <= size; i += 8) {
        u64 word;
        __builtin_memcpy(&word, data + i, 8);
        if (word != poison_word)
            return false;
    }
    for (; i < size; ++i) {
        if (data[i] != poison_byte)
            return false;
    }
    return true;
}

// Cuts `block` (off the free list) in two at `first_size` bytes (headers included; both parts are
// at least a block): `block` keeps the first part, the second becomes a block of its own, its
// neighbour told its new size. Returns the second.
HeapAllocator::Block* HeapAllocator::cut(Block* block, usize first_size)
{
    auto* second = reinterpret_cast<Block*>(reinterpret_cast<u8*>(block) + first_size);
    second->size = block->size - first_size;
    second->previous_size = first_size;
    second->seal();
    second->next()->previous_size = second->size;
    block->size = first_size;
    block->seal();
    return second;
}

// Cuts `block` (already off the free list) to hold `payload_size` bytes; the rest, when big enough
// to be a block, becomes a free block of its own. Returns `block`.
HeapAllocator::Block* HeapAllocator::split(Block* block, usize payload_size)
{
    usize wanted = header_size + payload_size;
    if (block->size - wanted < minimum_block)
        return block;
    insert_free(cut(block, wanted));
    return block;
}

Result<void*> HeapAllocator::allocate(usize size, usize alignment)
{
    if (!is_power_of_two(alignment))
        return Error::from(ErrorCode::InvalidArgument, "alignment is not a power of two");
    alignment = max(alignment, minimum_alignment);
    auto rounded = checked_align_up(max(size, usize(1)), minimum_alignment);
    if (!rounded.has_value() || *rounded > (usize(1) << 40))
        return Error::from(ErrorCode::OutOfMemory, "allocation size is absurd");
    usize payload_size = *rounded;

    for (Block* block = m_free_list; block; block = block->next_free) {
        uptr payload = reinterpret_cast<uptr>(block->payload());
        uptr aligned = align_up(payload, uptr(alignment));
        usize gap = aligned - payload;
        // A leading gap must itself become a free block, so it is either 0 or at least a block.
        if (gap != 0 && gap < minimum_block) {
            aligned = align_up(payload + minimum_block, uptr(alignment));
            gap = aligned - payload;
        }
        if (block->payload_size() < gap || block->payload_size() - gap < payload_size)
            continue;
        // Only the bytes handed out are checked here (the rest stays free and is checked when it
        // is handed out), so an allocation costs O(its size), not O(the free block).
        if (!poison_intact(reinterpret_cast<void*>(aligned), payload_size))
            return Error::from(ErrorCode::Invalid, "heap corruption: a freed block was written to");

        remove_free(block);
        if (gap != 0) {
            // Keep the gap as a free block; the aligned part becomes its own block.
            Block* aligned_block = cut(block, gap);
            insert_free(block);
            block = aligned_block;
        }
        block = split(block, payload_size);
        block->state = BlockState::Allocated;
        block->next_free = nullptr;
        ++m_live_allocations;
        return static_cast<void*>(block->payload());
    }
    return Error::from(ErrorCode::OutOfMemory, "heap exhausted");
}

HeapAllocator::Block* HeapAllocator::block_of(const void* pointer) const
{
    auto address = reinterpret_cast<uptr>(pointer);
    if (pointer == nullptr || address % minimum_alignment != 0)
        return nullptr;
    for (usize i = 0; i < m_region_count; ++i) {
        auto base = reinterpret_cast<uptr>(m_regions[i].base);
        if (address >= base + header_size && address < base + m_regions[i].size)
            return reinterpret_cast<Block*>(address - header_size);
    }
    return nullptr;
}

ErrorOr HeapAllocator::free(void* pointer)
{
    Block* block = block_of(pointer);
    if (!block)
        return Error::from(ErrorCode::InvalidArgument, "pointer is not from this heap");
    if (block->state == BlockState::Free && block->sealed())
        return Error::from(ErrorCode::Invalid, "double free");
    if (block->state != BlockState::Allocated || !block->sealed())
        return Error::from(ErrorCode::Invalid, "pointer is not the start of a live allocation (or its header was overwritten)");

    --m_live_allocations;
    // Poison what is freed now; merged neighbours were poisoned when they were freed, and the
    // headers swallowed by a merge are poisoned as they become payload.
    poison(block->payload(), block->payload_size());
    Block* next = block->next();
    if (next->state == BlockState::Free) {
        remove_free(next);
        block->size += next->size;
        block->seal();
        block->next()->previous_size = block->size;
        poison(next, header_size);
    }
    if (block->previous_size != 0) {
        Block* previous = block->previous();
        if (previous->state == BlockState::Free) {
            remove_free(previous);
            previous->size += block->size;
            previous->seal();
            previous->next()->previous_size = previous->size;
            // The swallowed header must not read as a live allocation if it is freed again.
            block->state = BlockState::Free;
            poison(block, header_size);
            block = previous;
        }
    }
    insert_free(block);
    return {};
}

Result<usize> HeapAllocator::allocation_size(const void* pointer) const
{
    Block* block = block_of(pointer);
    if (!block || block->state != BlockState::Allocated || !block->sealed())
        return Error::from(ErrorCode::InvalidArgument, "pointer is not a live allocation");
    return block->payload_size();
}

ErrorOr HeapAllocator::check_integrity() const
{
    usize free_seen = 0;
    for (usize i = 0; i < m_region_count; ++i) {
        auto* block = reinterpret_cast<Block*>(m_regions[i].base);
        usize previous_size = 0;
        while (block->state != BlockState::End) {
            if (!block->sealed() || block->previous_size != previous_size || block->size < minimum_block)
                return Error::from(ErrorCode::Invalid, "heap corruption: bad block header");
            if (block->state == BlockState::Free) {
                ++free_seen;
                if (!poison_intact(block->payload(), block->payload_size()))
                    return Error::from(ErrorCode::Invalid, "heap corruption: a freed block was written to");
            } else if (block->state != BlockState::Allocated) {
                return Error::from(ErrorCode::Invalid, "heap corruption: bad block state");
            }
            previous_size = block->size;
            block = block->next();
        }
        if (block->previous_size != previous_size)
            return Error::from(ErrorCode::Invalid, "heap corruption: bad region end");
    }
    usize listed = 0;
    for (Block* block = m_free_list; block; block = block->next_free) {
        if (block->state != BlockState::Free || ++listed > free_seen)
            return Error::from(ErrorCode::Invalid, "heap corruption: bad free list");
    }
    if (listed != free_seen)
        return Error::from(ErrorCode::Invalid, "heap corruption: free block missing from the list");
    return {};
}

HeapAllocator::Statistics HeapAllocator::statistics() const
{
    Statistics statistics {};
    for (usize i = 0; i < m_region_count; ++i) {
        statistics.region_bytes += m_regions[i].size;
        auto* block = reinterpret_cast<Block*>(m_regions[i].base);
        while (block->state != BlockState::End) {
            if (block->state == BlockState::Free) {
                statistics.free_bytes += block->payload_size();
                ++statistics.free_blocks;
            } else {
                statistics.allocated_bytes += block->payload_size();
            }
            block = block->next();
        }
    }
    statistics.live_allocations = m_live_allocations;
    return statistics;
}

} // namespace ath::mm
