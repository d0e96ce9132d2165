#include <gtest/gtest.h>
#include <kernel/lib/StringView.h>

using namespace ath;

TEST(StringView, BasicsAndCompare)
{
    StringView a("hello");
    EXPECT_EQ(a.length(), 5u);
    EXPECT_TRUE(a == StringView("hello"));
    EXPECT_FALSE(a == StringView("hell"));
    EXPECT_TRUE(StringView() == StringView(""));
    EXPECT_TRUE(StringView(nullptr).is_empty());
}

TEST(StringView, SearchAndAffixes)
{
    StringView s("kernel cmdline=selftest");
    EXPECT_TRUE(s.starts_with("kernel"));
    EXPECT_TRUE(s.ends_with("selftest"));
    EXPECT_FALSE(s.ends_with("kernel cmdline=selftest!"));
    EXPECT_EQ(*s.find('='), 14u);
    EXPECT_EQ(*s.find("cmd"), 7u);
    EXPECT_FALSE(s.find("xyz").has_value());
    EXPECT_EQ(s.substring(7, 7), StringView("cmdline"));
}

TEST(StringView, Trim)
{
    EXPECT_EQ(StringView("  a b \n").trim_whitespace(), StringView("a b"));
    EXPECT_TRUE(StringView("   ").trim_whitespace().is_empty());
}

TEST(StringView, ToU64)
{
    EXPECT_EQ(*StringView("1234").to_u64(), 1234u);
    EXPECT_EQ(*StringView("0x1F").to_u64(), 31u);
    EXPECT_EQ(*StringView("18446744073709551615").to_u64(), ~u64(0));
    EXPECT_FALSE(StringView("18446744073709551616").to_u64().has_value());
    EXPECT_FALSE(StringView("12a").to_u64().has_value());
    EXPECT_FALSE(StringView("").to_u64().has_value());
    EXPECT_FALSE(StringView("0x").to_u64().has_value());
}

TEST(StringView, Split)
{
    int count = 0;
    StringView pieces[4];
    for_each_split(StringView(" a  bc d "), ' ', [&](StringView piece) {
        ASSERT_LT(count, 4);
        pieces[count++] = piece;
    });
    ASSERT_EQ(count, 3);
    EXPECT_EQ(pieces[0], StringView("a"));
    EXPECT_EQ(pieces[1], StringView("bc"));
    EXPECT_EQ(pieces[2], StringView("d"));
}

TEST(StringViewDeathTest, SubstringOutOfRangePanics)
{
    StringView s("abc");
    EXPECT_DEATH((void)s.substring(2, 2), "VERIFY");
}
