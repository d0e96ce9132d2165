#include <gtest/gtest.h>
#include <kernel/mm/VirtualRangeAllocator.h>

using namespace ath;
using ath::mm::VirtualRange;
using ath::mm::VirtualRangeAllocator;

namespace {
constexpr u64 GiB = 1ULL << 30;
VirtualRangeAllocator make(u64 size = 64 * GiB)
{
    return VirtualRangeAllocator::create(VirtualRange { VirtualAddress(0xFFFFD00000000000ULL), size }).release_value();
}
} // namespace

TEST(VirtualRangeAllocator, ReservationsWithGuardsDoNotOverlap)
{
    auto ranges = make();
    VirtualRange previous {};
    for (int i = 0; i < 8; ++i) {
        auto range = ranges.allocate(4 * GiB, 4 * GiB, 4 * GiB);
        ASSERT_TRUE(range.has_value()) << i;
        EXPECT_TRUE(range.value().base.is_aligned(4 * GiB));
        if (i > 0)
            EXPECT_GE(range.value().base.get(), previous.end().get() + 4 * GiB);
        previous = range.value();
    }
    EXPECT_EQ(ranges.free_bytes(), 0u);
    EXPECT_EQ(ranges.allocate(page_size).error().code, ErrorCode::OutOfMemory);
}

TEST(VirtualRangeAllocator, FreeMergesAndRejectsBadRanges)
{
    auto ranges = make();
    auto a = ranges.allocate(GiB).release_value();
    auto b = ranges.allocate(GiB).release_value();
    auto c = ranges.allocate(GiB).release_value();
    EXPECT_TRUE(ranges.free(VirtualRange { b.base, b.size + 1 }).is_error());      // not page-sized
    EXPECT_TRUE(ranges.free(VirtualRange { VirtualAddress(0x1000), GiB }).is_error()); // outside
    ASSERT_FALSE(ranges.free(b).is_error());
    EXPECT_TRUE(ranges.free(b).is_error()); // double free
    u64 free_before = ranges.free_bytes();
    EXPECT_TRUE(ranges.free(VirtualRange { a.base, 2 * GiB }).is_error()); // half already free
    EXPECT_EQ(ranges.free_bytes(), free_before);
    ASSERT_FALSE(ranges.free(a).is_error());
    ASSERT_FALSE(ranges.free(c).is_error());
    EXPECT_EQ(ranges.free_range_count(), 1u);
    EXPECT_EQ(ranges.free_bytes(), 64 * GiB);
}

TEST(VirtualRangeAllocator, AlignmentGapsStayFree)
{
    auto ranges = make();
    auto small = ranges.allocate(page_size).release_value();
    auto aligned = ranges.allocate(page_size, 0, GiB).release_value();
    EXPECT_TRUE(aligned.base.is_aligned(GiB));
    // The gap between them is reused.
    auto filler = ranges.allocate(page_size).release_value();
    EXPECT_EQ(filler.base.get(), small.end().get());
    EXPECT_TRUE(ranges.allocate(page_size, 0, 3 * page_size).is_error());
    EXPECT_TRUE(ranges.allocate(0).is_error());
    EXPECT_TRUE(ranges.allocate(~u64(0)).is_error());
}

TEST(VirtualRangeAllocator, CreateValidatesTheWindow)
{
    EXPECT_TRUE(VirtualRangeAllocator::create(VirtualRange { VirtualAddress(0x1001), GiB }).is_error());
    EXPECT_TRUE(VirtualRangeAllocator::create(VirtualRange { VirtualAddress(0x1000), 0 }).is_error());
    EXPECT_TRUE(VirtualRangeAllocator::create(VirtualRange { VirtualAddress(~u64(0) - 0xFFF), 0x2000 }).is_error());
}

TEST(VirtualRangeAllocator, FragmentationIsAnErrorNotACorruption)
{
    auto ranges = make(1024 * page_size);
    // Allocate every page, then free every other one: 512 free ranges > capacity (256).
    std::vector<VirtualRange> pages;
    for (int i = 0; i < 1024; ++i)
        pages.push_back(ranges.allocate(page_size).release_value());
    usize freed = 0;
    for (usize i = 0; i < pages.size(); i += 2) {
        if (ranges.free(pages[i]).is_error())
            break;
        ++freed;
    }
    EXPECT_EQ(freed, VirtualRangeAllocator::max_free_ranges);
    EXPECT_EQ(ranges.free_bytes(), freed * page_size);
}
