#include <gtest/gtest.h>
#include <string>
#include <kernel/lib/Address.h>
#include <kernel/lib/Format.h>

using namespace ath;

namespace {
template<typename... Args>
std::string fmt(StringView f, const Args&... args)
{
    char buffer[256];
    auto view = format_to(Span<char>(buffer), f, args...);
    return std::string(view.characters(), view.length());
}
enum class Color : u8 { Red = 2 };
} // namespace

TEST(Format, IntegersAndPadding)
{
    EXPECT_EQ(fmt("{} {} {}", 0, -42, 42u), "0 -42 42");
    EXPECT_EQ(fmt("{}", NumericLimits<i64>::min()), "-9223372036854775808");
    EXPECT_EQ(fmt("{}", NumericLimits<u64>::max()), "18446744073709551615");
    EXPECT_EQ(fmt("{:x} {:#x} {:X}", 255u, 255u, 255u), "ff 0xff FF");
    EXPECT_EQ(fmt("{:08x}", 0xbeefu), "0000beef");
    EXPECT_EQ(fmt("{:#018x}", u64(1)), "0x0000000000000001");
    EXPECT_EQ(fmt("[{:5}]", 42), "[   42]");
    EXPECT_EQ(fmt("{:b}", 5u), "101");
}

TEST(Format, OtherKinds)
{
    EXPECT_EQ(fmt("{} {} {}", true, 'z', "str"), "true z str");
    EXPECT_EQ(fmt("{}", StringView("view")), "view");
    EXPECT_EQ(fmt("{}", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(fmt("{}", PhysicalAddress(0x1000)), "4096");
    EXPECT_EQ(fmt("{:#x}", PhysicalAddress(0x1000)), "0x1000");
    EXPECT_EQ(fmt("{}", Color::Red), "2");
    EXPECT_EQ(fmt("{}", 1.5), "1.500");
    EXPECT_EQ(fmt("{}", -0.25), "-0.250");
    EXPECT_EQ(fmt("{}", reinterpret_cast<void*>(0x10)), "0x10");
}

TEST(Format, BracesAndMismatchedArguments)
{
    EXPECT_EQ(fmt("{{}} {}", 1), "{} 1");
    EXPECT_EQ(fmt("{} {}", 1), "1 <?>");
    EXPECT_EQ(fmt("{}", 1, 2), "1");
    EXPECT_EQ(fmt("open {", 1), "open {");
}

TEST(Format, TruncatesIntoSmallBuffer)
{
    char buffer[6];
    BufferSink sink{Span<char>(buffer)};
    format(sink, "hello {}", "world");
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(std::string(sink.view().characters(), sink.view().length()), "hello");
    EXPECT_EQ(buffer[5], '\0');
}
