#include <gtest/gtest.h>
#include <kernel/main/CommandLine.h>
#include <string>

using namespace ath;

TEST(CommandLine, FindsWholeWordsOnly)
{
    auto line = CommandLine::create("selftest  bench-boot\r\n").release_value();
    EXPECT_TRUE(line.has_word("selftest"));
    EXPECT_TRUE(line.has_word("bench-boot"));
    EXPECT_FALSE(line.has_word("bench"));
    EXPECT_FALSE(line.has_word("selftest bench-boot"));
    EXPECT_EQ(line.text(), StringView("selftest  bench-boot"));
}

TEST(CommandLine, EmptyAndHostileInput)
{
    auto empty = CommandLine::create("").release_value();
    EXPECT_FALSE(empty.has_word("selftest"));
    // NUL and control bytes split words instead of hiding them.
    std::string hostile("panic\0test\x01selftest", 20);
    auto line = CommandLine::create(StringView(hostile.data(), hostile.size())).release_value();
    EXPECT_TRUE(line.has_word("selftest"));
    EXPECT_FALSE(line.has_word("panic-test"));
    std::string long_text(CommandLine::max_length + 1, 'a');
    EXPECT_TRUE(CommandLine::create(StringView(long_text.data(), long_text.size())).is_error());
}
