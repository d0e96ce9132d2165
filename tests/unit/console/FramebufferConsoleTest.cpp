#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <kernel/console/Font.h>
#include <kernel/console/FramebufferConsole.h>

using namespace ath;
using namespace ath::console;

namespace {

constexpr u32 padding_sentinel = 0xDEADBEEF;
constexpr Rgb white { 0xFF, 0xFF, 0xFF };
constexpr Rgb black { 0, 0, 0 };

// A framebuffer in host memory, with a stride wider than the width so writes past the visible
// width are caught.
struct Screen {
    u32 width, height, stride;
    boot::PixelFormat format;
    std::vector<u32> pixels;

    Screen(u32 width_, u32 height_, u32 stride_, boot::PixelFormat format_ = boot::PixelFormat::Bgrx8888)
        : width(width_), height(height_), stride(stride_), format(format_), pixels(size_t(stride_) * height_, padding_sentinel)
    {
    }
    boot::Framebuffer description() const
    {
        return { 0xC0000000, u64(stride) * height * 4, width, height, stride, format };
    }
    u32 at(u32 x, u32 y) const { return pixels[size_t(y) * stride + x]; }

    FramebufferConsole console()
    {
        auto result = FramebufferConsole::create(description(), pixels.data());
        EXPECT_FALSE(result.is_error());
        auto made = result.release_value();
        made.set_colors(white, black);
        return made;
    }

    // Reads a cell back by comparing it with every glyph: '\0' when nothing matches.
    char char_at(u32 column, u32 row) const
    {
        for (int code = 0x20; code < 0x7F; ++code) {
            bool match = true;
            for (u32 y = 0; y < Font::cell_height && match; ++y) {
                for (u32 x = 0; x < Font::cell_width && match; ++x) {
                    bool ink = at(column * 8 + x, row * 16 + y) == 0x00FFFFFF;
                    match = ink == Font::pixel(static_cast<char>(code), x, y);
                }
            }
            if (match)
                return static_cast<char>(code);
        }
        return '\0';
    }
    std::string line(u32 row, u32 length) const
    {
        std::string text;
        for (u32 column = 0; column < length; ++column)
            text += char_at(column, row);
        return text;
    }
};

} // namespace

TEST(FramebufferConsole, RejectsInconsistentDescriptions)
{
    Screen screen(64, 48, 64);
    auto description = screen.description();
    EXPECT_FALSE(FramebufferConsole::create(description, screen.pixels.data()).is_error());
    auto bad = description;
    bad.format = boot::PixelFormat::None;
    EXPECT_TRUE(FramebufferConsole::create(bad, screen.pixels.data()).is_error());
    bad = description;
    bad.stride = 32;
    EXPECT_TRUE(FramebufferConsole::create(bad, screen.pixels.data()).is_error());
    bad = description;
    bad.size -= 4;
    EXPECT_TRUE(FramebufferConsole::create(bad, screen.pixels.data()).is_error());
    bad = description;
    bad.height = 8;
    EXPECT_TRUE(FramebufferConsole::create(bad, screen.pixels.data()).is_error());
    bad = description;
    bad.stride = 0xFFFFFFFF;
    bad.height = 0xFFFFFFFF;
    EXPECT_TRUE(FramebufferConsole::create(bad, screen.pixels.data()).is_error());
    EXPECT_TRUE(FramebufferConsole::create(description, nullptr).is_error());
}

TEST(FramebufferConsole, GeometryAndClearLeaveStridePaddingAlone)
{
    Screen screen(100, 50, 120);
    auto console = screen.console();
    EXPECT_EQ(console.columns(), 12u);
    EXPECT_EQ(console.rows(), 3u);
    console.clear();
    for (u32 y = 0; y < 50; ++y) {
        EXPECT_EQ(screen.at(0, y), 0u);
        EXPECT_EQ(screen.at(99, y), 0u);
        EXPECT_EQ(screen.at(100, y), padding_sentinel);
        EXPECT_EQ(screen.at(119, y), padding_sentinel);
    }
}

TEST(FramebufferConsole, DrawsGlyphsInBothPixelFormats)
{
    for (auto format : { boot::PixelFormat::Bgrx8888, boot::PixelFormat::Rgbx8888 }) {
        Screen screen(64, 32, 64, format);
        auto console = screen.console();
        console.set_colors(Rgb { 0xFF, 0x00, 0x00 }, Rgb { 0x00, 0x00, 0xFF });
        console.write("I");
        u32 red = format == boot::PixelFormat::Bgrx8888 ? 0x00FF0000u : 0x000000FFu;
        u32 blue = format == boot::PixelFormat::Bgrx8888 ? 0x000000FFu : 0x00FF0000u;
        for (u32 y = 0; y < 16; ++y) {
            for (u32 x = 0; x < 8; ++x)
                EXPECT_EQ(screen.at(x, y), Font::pixel('I', x, y) ? red : blue) << x << "," << y;
        }
        EXPECT_EQ(console.cursor_column(), 1u);
    }
}

TEST(FramebufferConsole, ControlCharacters)
{
    Screen screen(80, 64, 80); // 10 columns, 4 rows
    auto console = screen.console();
    console.write("abc\rX");
    EXPECT_EQ(screen.line(0, 3), "Xbc");
    console.write("\nde\tf");
    EXPECT_EQ(screen.line(1, 2), "de");
    EXPECT_EQ(screen.char_at(8, 1), 'f');
    EXPECT_EQ(console.cursor_column(), 9u);
    console.write("\b\b");
    EXPECT_EQ(screen.char_at(8, 1), ' ');
    EXPECT_EQ(console.cursor_column(), 7u);
    console.write("\r\b"); // backspace at column 0 stays there
    EXPECT_EQ(console.cursor_column(), 0u);
    EXPECT_EQ(console.cursor_row(), 1u);
    EXPECT_EQ(screen.char_at(0, 1), 'd');
}

TEST(FramebufferConsole, WrapsLongLinesWithoutBlankLines)
{
    Screen screen(80, 64, 80);
    auto console = screen.console();
    console.write("0123456789AB\n");
    EXPECT_EQ(screen.line(0, 10), "0123456789");
    EXPECT_EQ(screen.line(1, 2), "AB");
    EXPECT_EQ(console.cursor_row(), 2u);
    console.write("0123456789\nZ");
    EXPECT_EQ(screen.char_at(0, 3), 'Z'); // a full line then \n: no empty line between
}

TEST(FramebufferConsole, ScrollsWhenTheScreenIsFull)
{
    Screen screen(80, 72, 96); // 4 text rows, 8 spare pixel rows at the bottom
    auto console = screen.console();
    std::vector<u32> spare_row(screen.pixels.begin() + 70 * 96, screen.pixels.begin() + 71 * 96);
    console.write("line1\nline2\nline3\nline4\nline5\nline6");
    EXPECT_EQ(screen.line(0, 5), "line3");
    EXPECT_EQ(screen.line(1, 5), "line4");
    EXPECT_EQ(screen.line(2, 5), "line5");
    EXPECT_EQ(screen.line(3, 6), "line6 ");
    EXPECT_EQ(console.cursor_row(), 3u);
    EXPECT_EQ(console.cursor_column(), 5u);
    // Below the last full text row nothing is drawn by scrolling; the stride padding is never touched.
    for (u32 x = 0; x < 96; ++x)
        EXPECT_EQ(screen.at(x, 70), spare_row[x]);
    EXPECT_EQ(screen.at(85, 70), padding_sentinel);
}
