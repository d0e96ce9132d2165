#include <gtest/gtest.h>
#include <kernel/lib/Bits.h>

using namespace ath;

TEST(Bits, Alignment)
{
    EXPECT_EQ(align_up<u64>(4097, 4096), 8192u);
    EXPECT_EQ(align_up<u64>(4096, 4096), 4096u);
    EXPECT_EQ(align_down<u64>(4097, 4096), 4096u);
    EXPECT_TRUE(is_aligned<u64>(8192, 4096));
    EXPECT_FALSE(is_aligned<u64>(8193, 4096));
    EXPECT_FALSE(checked_align_up<u64>(~u64(0) - 5, 4096).has_value());
}

TEST(Bits, PowersAndCounts)
{
    EXPECT_TRUE(is_power_of_two(1u));
    EXPECT_TRUE(is_power_of_two(u64(1) << 63));
    EXPECT_FALSE(is_power_of_two(0u));
    EXPECT_FALSE(is_power_of_two(6u));
    EXPECT_EQ(popcount<u32>(0xF0F0), 8u);
    EXPECT_EQ(count_leading_zeros<u32>(1), 31u);
    EXPECT_EQ(count_leading_zeros<u8>(1), 7u);
    EXPECT_EQ(count_leading_zeros<u32>(0), 32u);
    EXPECT_EQ(count_trailing_zeros<u64>(0), 64u);
    EXPECT_EQ(count_trailing_zeros<u16>(8), 3u);
    EXPECT_EQ(log2_floor<u64>(4096), 12u);
    EXPECT_EQ(log2_floor<u64>(4097), 12u);
}

TEST(Bits, CheckedArithmeticAndRanges)
{
    EXPECT_FALSE(checked_add<u32>(0xFFFFFFFF, 1).has_value());
    EXPECT_EQ(*checked_add<u32>(1, 2), 3u);
    EXPECT_FALSE(checked_mul<u64>(u64(1) << 40, u64(1) << 30).has_value());
    EXPECT_TRUE(range_within<u64>(0, 10, 10));
    EXPECT_FALSE(range_within<u64>(1, 10, 10));
    EXPECT_FALSE(range_within<u64>(11, 0, 10));
    EXPECT_FALSE(range_within<u64>(5, ~u64(0), 10)); // would wrap
}

TEST(Bits, RotateAndSwap)
{
    EXPECT_EQ(rotate_left<u32>(0x80000001, 1), 3u);
    EXPECT_EQ(rotate_right<u32>(3, 1), 0x80000001u);
    EXPECT_EQ(rotate_left<u32>(5, 32), 5u);
    EXPECT_EQ(byte_swap(u32(0x11223344)), 0x44332211u);
    u8 bytes[4];
    store_le<u32>(bytes, 0xAABBCCDD);
    EXPECT_EQ(bytes[0], 0xDD);
    EXPECT_EQ(load_le<u32>(bytes), 0xAABBCCDDu);
}

TEST(BitsDeathTest, NonPowerOfTwoAlignmentPanics)
{
    EXPECT_DEATH((void)align_up<u64>(5, 3), "VERIFY");
    EXPECT_DEATH((void)align_up<u64>(~u64(0), 16), "VERIFY");
}
