#include <gtest/gtest.h>
#include <kernel/lib/FixedVector.h>

using namespace ath;

TEST(FixedVector, AppendUntilFull)
{
    FixedVector<int, 3> v;
    EXPECT_FALSE(v.try_append(1).is_error());
    EXPECT_FALSE(v.try_append(2).is_error());
    EXPECT_FALSE(v.try_append(3).is_error());
    auto full = v.try_append(4);
    ASSERT_TRUE(full.is_error());
    EXPECT_EQ(full.error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(v.size(), 3u);
    EXPECT_EQ(v[2], 3);
}

TEST(FixedVector, RemoveKeepsOrderAndCopy)
{
    FixedVector<int, 4> v;
    for (int i = 0; i < 4; ++i)
        (void)v.try_append(i);
    v.remove(1);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0], 0);
    EXPECT_EQ(v[1], 2);
    EXPECT_EQ(v[2], 3);
    FixedVector<int, 4> copy = v;
    EXPECT_EQ(copy.take_last(), 3);
    EXPECT_EQ(copy.size(), 2u);
    EXPECT_EQ(v.size(), 3u);
    EXPECT_EQ(v.span().size(), 3u);
}

TEST(FixedVectorDeathTest, IndexPastSizePanics)
{
    FixedVector<int, 4> v;
    (void)v.try_append(1);
    EXPECT_DEATH((void)v[1], "VERIFY");
    FixedVector<int, 2> empty;
    EXPECT_DEATH((void)empty.take_last(), "VERIFY");
}
