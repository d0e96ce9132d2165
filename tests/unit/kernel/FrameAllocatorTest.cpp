#include <gtest/gtest.h>
#include <kernel/mm/FrameAllocator.h>
#include <set>
#include <vector>

using namespace ath;
using ath::mm::FrameAllocator;

namespace {
struct Frames {
    explicit Frames(u64 count) : words(FrameAllocator::bitmap_words_for(count)), allocator(FrameAllocator::create(Span<u64>(words.data(), words.size()), count).release_value()) { }
    std::vector<u64> words;
    FrameAllocator allocator;
};
} // namespace

TEST(FrameAllocator, StartsFullyReservedAndReleasesWholeFramesOnly)
{
    Frames frames(64);
    EXPECT_EQ(frames.allocator.free_count(), 0u);
    EXPECT_TRUE(frames.allocator.allocate().is_error());
    // [0x1800, 0x5800): only frames 2, 3, 4 are wholly inside.
    frames.allocator.release_range(PhysicalAddress(0x1800), 0x4000);
    EXPECT_EQ(frames.allocator.free_count(), 3u);
    EXPECT_FALSE(frames.allocator.is_free(PhysicalAddress(0x1000)));
    EXPECT_TRUE(frames.allocator.is_free(PhysicalAddress(0x2000)));
    EXPECT_FALSE(frames.allocator.is_free(PhysicalAddress(0x5000)));
}

TEST(FrameAllocator, ReserveRoundsOutward)
{
    Frames frames(64);
    frames.allocator.release_range(PhysicalAddress(0), 64 * page_size);
    frames.allocator.reserve_range(PhysicalAddress(0x2FFF), 2); // touches frames 2 and 3
    EXPECT_FALSE(frames.allocator.is_free(PhysicalAddress(0x2000)));
    EXPECT_FALSE(frames.allocator.is_free(PhysicalAddress(0x3000)));
    EXPECT_EQ(frames.allocator.free_count(), 62u);
}

TEST(FrameAllocator, RangesBeyondTheManagedAreaAreIgnored)
{
    Frames frames(16);
    frames.allocator.release_range(PhysicalAddress(8 * page_size), ~u64(0) - 8 * page_size);
    EXPECT_EQ(frames.allocator.free_count(), 8u);
    frames.allocator.reserve_range(PhysicalAddress(~u64(0) - 10), 100); // wraps: clipped, no crash
    EXPECT_EQ(frames.allocator.free_count(), 8u);
}

TEST(FrameAllocator, NeverHandsOutAFrameTwiceAndExhausts)
{
    Frames frames(1000);
    frames.allocator.release_range(PhysicalAddress(0), 1000 * page_size);
    frames.allocator.reserve_range(PhysicalAddress(0x10000), 0x10000); // 16 frames in the middle
    std::set<u64> seen;
    while (true) {
        auto frame = frames.allocator.allocate();
        if (frame.is_error()) {
            EXPECT_EQ(frame.error().code, ErrorCode::OutOfMemory);
            break;
        }
        EXPECT_TRUE(seen.insert(frame.value().get()).second);
        EXPECT_FALSE(frame.value().get() >= 0x10000 && frame.value().get() < 0x20000);
    }
    EXPECT_EQ(seen.size(), 984u);
    EXPECT_EQ(frames.allocator.free_count(), 0u);
    ASSERT_FALSE(frames.allocator.free(PhysicalAddress(0x5000)).is_error());
    EXPECT_EQ(frames.allocator.allocate().value().get(), 0x5000u);
}

TEST(FrameAllocator, FreeRejectsBadFramesWithoutChange)
{
    Frames frames(32);
    frames.allocator.release_range(PhysicalAddress(0), 32 * page_size);
    auto frame = frames.allocator.allocate().release_value();
    EXPECT_EQ(frames.allocator.free(PhysicalAddress(frame.get() + 8)).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(frames.allocator.free(PhysicalAddress(32 * page_size)).error().code, ErrorCode::OutOfRange);
    ASSERT_FALSE(frames.allocator.free(frame).is_error());
    u64 free_before = frames.allocator.free_count();
    EXPECT_EQ(frames.allocator.free(frame).error().code, ErrorCode::Invalid); // double free
    EXPECT_EQ(frames.allocator.free_count(), free_before);
    // A contiguous free with one already-free frame in it changes nothing.
    auto run = frames.allocator.allocate_contiguous(4).release_value();
    ASSERT_FALSE(frames.allocator.free(PhysicalAddress(run.get() + 2 * page_size)).is_error());
    free_before = frames.allocator.free_count();
    EXPECT_TRUE(frames.allocator.free_contiguous(run, 4).is_error());
    EXPECT_EQ(frames.allocator.free_count(), free_before);
    EXPECT_FALSE(frames.allocator.is_free(run));
}

TEST(FrameAllocator, ContiguousRuns)
{
    Frames frames(64);
    frames.allocator.release_range(PhysicalAddress(0), 10 * page_size);
    frames.allocator.release_range(PhysicalAddress(20 * page_size), 30 * page_size);
    auto run = frames.allocator.allocate_contiguous(20);
    ASSERT_TRUE(run.has_value());
    EXPECT_EQ(run.value().get(), 20 * page_size);
    EXPECT_TRUE(frames.allocator.allocate_contiguous(11).is_error());
    EXPECT_TRUE(frames.allocator.allocate_contiguous(0).is_error());
    EXPECT_TRUE(frames.allocator.allocate_contiguous(10).has_value());
}

TEST(FrameAllocator, CreateRejectsBadStorage)
{
    std::vector<u64> words(1);
    EXPECT_TRUE(FrameAllocator::create(Span<u64>(words.data(), 1), 65).is_error());
    EXPECT_TRUE(FrameAllocator::create(Span<u64>(words.data(), 1), 0).is_error());
    EXPECT_TRUE(FrameAllocator::create(Span<u64>(words.data(), 1), 64).has_value());
}
