#include <gtest/gtest.h>
#include <kernel/lib/Address.h>
#include <kernel/lib/Traits.h>

using namespace ath;

TEST(Address, ArithmeticAndAlignment)
{
    PhysicalAddress p(0x1234);
    EXPECT_EQ(p.align_down(page_size).get(), 0x1000u);
    EXPECT_EQ(p.align_up(page_size).get(), 0x2000u);
    EXPECT_FALSE(p.is_aligned(page_size));
    EXPECT_EQ(p.offset(0x10).get(), 0x1244u);
    EXPECT_EQ(PhysicalAddress(0x3000) - PhysicalAddress(0x1000), 0x2000u);
    EXPECT_LT(PhysicalAddress(1), PhysicalAddress(2));
    EXPECT_TRUE(PhysicalAddress().is_null());
}

TEST(Address, PhysicalAndVirtualAreDistinctTypes)
{
    static_assert(!IsSame<PhysicalAddress, VirtualAddress>);
    static_assert(!__is_convertible(PhysicalAddress, VirtualAddress));
    static_assert(!__is_convertible(u64, PhysicalAddress)); // explicit construction only
    int x = 0;
    VirtualAddress v(reinterpret_cast<uptr>(&x));
    EXPECT_EQ(v.as_ptr<int>(), &x);
}
