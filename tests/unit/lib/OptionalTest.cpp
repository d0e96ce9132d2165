#include <gtest/gtest.h>
#include <kernel/lib/Optional.h>

using namespace ath;

namespace {
struct Counted {
    static int live;
    int value;
    explicit Counted(int v) : value(v) { ++live; }
    Counted(const Counted& o) : value(o.value) { ++live; }
    Counted(Counted&& o) : value(o.value) { ++live; }
    ~Counted() { --live; }
};
int Counted::live = 0;
} // namespace

TEST(Optional, EmptyAndValue)
{
    Optional<int> empty;
    EXPECT_FALSE(empty.has_value());
    EXPECT_EQ(empty.value_or(3), 3);
    Optional<int> full = 5;
    EXPECT_TRUE(full);
    EXPECT_EQ(*full, 5);
    EXPECT_FALSE(full == empty);
    EXPECT_TRUE(Optional<int>(5) == full);
}

TEST(Optional, LifetimesAreBalanced)
{
    {
        Optional<Counted> a;
        a.emplace(1);
        Optional<Counted> b = a;
        Optional<Counted> c = move(b);
        c = a;
        a.clear();
        EXPECT_EQ(c->value, 1);
        EXPECT_EQ(c.release_value().value, 1);
        EXPECT_FALSE(c.has_value());
    }
    EXPECT_EQ(Counted::live, 0);
}

TEST(OptionalDeathTest, ValueOfEmptyPanics)
{
    Optional<int> empty;
    EXPECT_DEATH((void)empty.value(), "VERIFY");
}
