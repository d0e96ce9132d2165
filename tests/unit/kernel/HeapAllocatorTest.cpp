#include <cstring>
#include <gtest/gtest.h>
#include <kernel/mm/HeapAllocator.h>
#include <map>
#include <random>
#include <vector>

using namespace ath;
using ath::mm::HeapAllocator;

namespace {
struct Arena {
    explicit Arena(usize size) : storage(size + 16) { }
    Bytes bytes(usize offset = 0)
    {
        auto base = (reinterpret_cast<uptr>(storage.data()) + 15) & ~uptr(15);
        return Bytes(reinterpret_cast<u8*>(base) + offset, storage.size() - 16 - offset);
    }
    std::vector<u8> storage;
};
} // namespace

TEST(HeapAllocator, AllocatesAlignedBlocksThatKeepTheirBytes)
{
    Arena arena(64 * 1024);
    HeapAllocator heap(true);
    ASSERT_FALSE(heap.add_region(arena.bytes()).is_error());
    std::vector<std::pair<u8*, usize>> blocks;
    for (usize size : { 1, 15, 16, 17, 100, 1000, 4096, 5000 }) {
        auto* block = static_cast<u8*>(heap.allocate(size).release_value());
        EXPECT_EQ(reinterpret_cast<uptr>(block) % 16, 0u);
        EXPECT_GE(heap.allocation_size(block).value(), size);
        memset(block, int(size & 0xFF), size);
        blocks.emplace_back(block, size);
    }
    for (auto& [block, size] : blocks) {
        for (usize i = 0; i < size; ++i)
            ASSERT_EQ(block[i], u8(size & 0xFF));
    }
    EXPECT_FALSE(heap.check_integrity().is_error());
    for (auto& [block, size] : blocks)
        ASSERT_FALSE(heap.free(block).is_error());
    auto statistics = heap.statistics();
    EXPECT_EQ(statistics.live_allocations, 0u);
    EXPECT_EQ(statistics.free_blocks, 1u); // everything merged back into one block
}

TEST(HeapAllocator, HonoursLargeAlignments)
{
    Arena arena(256 * 1024);
    HeapAllocator heap(true);
    ASSERT_FALSE(heap.add_region(arena.bytes(16)).is_error()); // deliberately not page-aligned
    for (usize shift = 4; shift <= 14; ++shift) {
        usize alignment = usize(1) << shift;
        auto block = heap.allocate(40, alignment);
        ASSERT_TRUE(block.has_value()) << alignment;
        EXPECT_EQ(reinterpret_cast<uptr>(block.value()) % alignment, 0u);
    }
    EXPECT_FALSE(heap.check_integrity().is_error());
    EXPECT_TRUE(heap.allocate(8, 48).is_error());
}

TEST(HeapAllocator, DetectsDoubleFreeForeignAndInteriorPointers)
{
    for (bool poison : { true, false }) {
        Arena arena(16 * 1024);
        HeapAllocator heap(poison);
        ASSERT_FALSE(heap.add_region(arena.bytes()).is_error());
        void* a = heap.allocate(64).release_value();
        void* b = heap.allocate(64).release_value();
        void* c = heap.allocate(64).release_value();
        ASSERT_FALSE(heap.free(b).is_error());
        EXPECT_TRUE(heap.free(b).is_error());
        ASSERT_FALSE(heap.free(a).is_error()); // merges with b
        EXPECT_TRUE(heap.free(b).is_error());  // b's header is now inside a free block
        EXPECT_TRUE(heap.free(a).is_error());
        int outside = 0;
        EXPECT_TRUE(heap.free(&outside).is_error());
        EXPECT_TRUE(heap.free(nullptr).is_error());
        EXPECT_TRUE(heap.free(static_cast<u8*>(c) + 16).is_error());
        EXPECT_FALSE(heap.check_integrity().is_error());
        EXPECT_FALSE(heap.free(c).is_error());
        EXPECT_EQ(heap.statistics().free_blocks, 1u);
    }
}

TEST(HeapAllocator, PoisonsFreedMemoryAndNoticesWritesAfterFree)
{
    Arena arena(16 * 1024);
    HeapAllocator heap(true);
    ASSERT_FALSE(heap.add_region(arena.bytes()).is_error());
    auto* block = static_cast<u8*>(heap.allocate(128).release_value());
    auto* keep = heap.allocate(128).release_value();
    (void)keep;
    memset(block, 0x11, 128);
    ASSERT_FALSE(heap.free(block).is_error());
    for (usize i = 0; i < 128; ++i)
        ASSERT_EQ(block[i], HeapAllocator::poison_byte);
    EXPECT_FALSE(heap.check_integrity().is_error());
    block[5] = 0;
    EXPECT_TRUE(heap.check_integrity().is_error());
    // Handing the damaged bytes out again is refused too.
    auto again = heap.allocate(128);
    EXPECT_TRUE(again.is_error());
}

TEST(HeapAllocator, ExhaustionAndMultipleRegions)
{
    Arena first(4096), second(8192);
    HeapAllocator heap(false);
    ASSERT_FALSE(heap.add_region(first.bytes()).is_error());
    EXPECT_TRUE(heap.allocate(6000).is_error());
    ASSERT_FALSE(heap.add_region(second.bytes()).is_error());
    EXPECT_TRUE(heap.allocate(6000).has_value());
    EXPECT_EQ(heap.allocate(usize(-1)).error().code, ErrorCode::OutOfMemory);
    EXPECT_TRUE(heap.add_region(Bytes(first.bytes().data() + 8, 4000)).is_error()); // misaligned
    EXPECT_TRUE(heap.add_region(Bytes(first.bytes().data(), 40)).is_error());       // too small
}

TEST(HeapAllocator, RandomisedAgainstAModel)
{
    Arena arena(512 * 1024);
    HeapAllocator heap(true);
    ASSERT_FALSE(heap.add_region(arena.bytes()).is_error());
    std::mt19937 random(12345);
    std::map<u8*, std::pair<usize, u8>> live;
    for (int step = 0; step < 20000; ++step) {
        if (live.empty() || random() % 3 != 0) {
            usize size = 1 + random() % 3000;
            usize alignment = usize(16) << (random() % 4);
            auto block = heap.allocate(size, alignment);
            if (block.is_error())
                continue;
            auto* bytes = static_cast<u8*>(block.value());
            ASSERT_EQ(reinterpret_cast<uptr>(bytes) % alignment, 0u);
            // No overlap with any live block.
            auto next = live.lower_bound(bytes);
            if (next != live.end())
                ASSERT_LE(bytes + size, next->first);
            if (next != live.begin()) {
                auto previous = std::prev(next);
                ASSERT_LE(previous->first + previous->second.first, bytes);
            }
            u8 fill = u8(step);
            memset(bytes, fill, size);
            live[bytes] = { size, fill };
        } else {
            auto victim = live.begin();
            std::advance(victim, random() % live.size());
            for (usize i = 0; i < victim->second.first; ++i)
                ASSERT_EQ(victim->first[i], victim->second.second);
            ASSERT_FALSE(heap.free(victim->first).is_error());
            live.erase(victim);
        }
        if (step % 1000 == 0)
            ASSERT_FALSE(heap.check_integrity().is_error()) << step;
    }
    for (auto& [bytes, info] : live)
        ASSERT_FALSE(heap.free(bytes).is_error());
    EXPECT_EQ(heap.statistics().free_blocks, 1u);
}
