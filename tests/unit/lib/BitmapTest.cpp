#include <gtest/gtest.h>
#include <kernel/lib/Bitmap.h>

using namespace ath;

TEST(Bitmap, SetGetCount)
{
    FixedBitmap<130> bitmap;
    auto view = bitmap.view();
    EXPECT_EQ(view.count_set(), 0u);
    view.set(0, true);
    view.set(64, true);
    view.set(129, true);
    EXPECT_TRUE(view.get(64));
    EXPECT_EQ(view.count_set(), 3u);
    view.set(64, false);
    EXPECT_FALSE(view.get(64));
}

TEST(Bitmap, FindFirstAcrossWords)
{
    FixedBitmap<200> bitmap;
    auto view = bitmap.view();
    EXPECT_FALSE(view.find_first(true).has_value());
    view.set(150, true);
    EXPECT_EQ(*view.find_first(true), 150u);
    EXPECT_EQ(*view.find_first(true, 150), 150u);
    EXPECT_FALSE(view.find_first(true, 151).has_value());
    view.fill(true);
    view.set(70, false);
    EXPECT_EQ(*view.find_first(false), 70u);
}

TEST(Bitmap, FindFirstIgnoresBitsPastSize)
{
    u64 words[1] = { 0 };
    BitmapView view(Span<u64>(words), 10);
    words[0] = u64(1) << 20; // garbage beyond the bitmap's size
    EXPECT_FALSE(view.find_first(true).has_value());
}

TEST(Bitmap, FindRun)
{
    FixedBitmap<64> bitmap;
    auto view = bitmap.view();
    view.set_range(0, 64, true);
    view.set_range(10, 3, false);
    view.set_range(20, 5, false);
    EXPECT_EQ(*view.find_run(false, 3), 10u);
    EXPECT_EQ(*view.find_run(false, 4), 20u);
    EXPECT_FALSE(view.find_run(false, 6).has_value());
    EXPECT_FALSE(view.find_run(false, 0).has_value());
}

TEST(BitmapDeathTest, OutOfRangePanics)
{
    FixedBitmap<10> bitmap;
    EXPECT_DEATH((void)bitmap.get(10), "VERIFY");
    EXPECT_DEATH(bitmap.view().set_range(5, 6, true), "VERIFY");
}
