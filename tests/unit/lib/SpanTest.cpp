#include <gtest/gtest.h>
#include <kernel/lib/Span.h>

using namespace ath;

TEST(Span, IndexAndIterate)
{
    int values[] = { 1, 2, 3, 4 };
    Span<int> span(values);
    EXPECT_EQ(span.size(), 4u);
    int sum = 0;
    for (int v : span)
        sum += v;
    EXPECT_EQ(sum, 10);
    span[2] = 30;
    EXPECT_EQ(values[2], 30);
}

TEST(Span, SliceAndTrySlice)
{
    int values[] = { 1, 2, 3, 4, 5 };
    Span<int> span(values);
    auto middle = span.slice(1, 3);
    EXPECT_EQ(middle.size(), 3u);
    EXPECT_EQ(middle[0], 2);
    EXPECT_EQ(span.slice(5).size(), 0u);
    EXPECT_TRUE(span.try_slice(2, 3).has_value());
    EXPECT_FALSE(span.try_slice(2, 4).has_value());
    EXPECT_FALSE(span.try_slice(6, 0).has_value());
    // A length that would wrap around must be rejected, not accepted by overflow.
    EXPECT_FALSE(span.try_slice(1, ~usize(0)).has_value());
}

TEST(Span, ConstConversionAndCompare)
{
    int a[] = { 1, 2, 3 };
    int b[] = { 1, 2, 3 };
    Span<int> sa(a);
    Span<const int> sb(b);
    EXPECT_TRUE(sa == sb);
    b[1] = 9;
    EXPECT_FALSE(sa == sb);
}

TEST(Span, CopyToAndFill)
{
    u8 source[] = { 1, 2, 3, 4 };
    u8 destination[2] = {};
    EXPECT_EQ(Span<const u8>(source, 4).copy_to(Span<u8>(destination)), 2u);
    EXPECT_EQ(destination[1], 2);
    Span<u8>(source).fill(7);
    EXPECT_EQ(source[3], 7);
}

TEST(SpanDeathTest, OutOfBoundsIndexPanics)
{
    int values[] = { 1, 2 };
    Span<int> span(values);
    EXPECT_DEATH((void)span[2], "VERIFY");
    EXPECT_DEATH((void)span.slice(1, 2), "VERIFY");
}
