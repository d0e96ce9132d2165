#include <gtest/gtest.h>
#include <set>
#include <vector>

#include <kernel/console/Font.h>

using ath::console::Font;

namespace {

std::vector<bool> render(char character)
{
    std::vector<bool> cell;
    for (unsigned y = 0; y < Font::cell_height; ++y) {
        for (unsigned x = 0; x < Font::cell_width; ++x)
            cell.push_back(Font::pixel(character, x, y));
    }
    return cell;
}

} // namespace

TEST(ConsoleFont, EveryPrintableGlyphIsDistinctAndOnlySpaceIsBlank)
{
    std::set<std::vector<bool>> seen;
    for (int code = 0x20; code < 0x7F; ++code) {
        auto cell = render(static_cast<char>(code));
        bool has_ink = false;
        for (bool ink : cell)
            has_ink |= ink;
        EXPECT_EQ(has_ink, code != ' ') << "glyph " << static_cast<char>(code);
        EXPECT_TRUE(seen.insert(cell).second) << "glyph " << static_cast<char>(code) << " duplicates another";
    }
}

TEST(ConsoleFont, GlyphsKeepTheirMarginsAndDoubleEveryDesignRow)
{
    for (int code = 0x20; code < 0x7F; ++code) {
        char character = static_cast<char>(code);
        for (unsigned y = 0; y < Font::cell_height; ++y) {
            // Column 0 and columns 6..7 are spacing; so are the top and bottom pixel rows.
            EXPECT_FALSE(Font::pixel(character, 0, y));
            EXPECT_FALSE(Font::pixel(character, 6, y));
            EXPECT_FALSE(Font::pixel(character, 7, y));
        }
        for (unsigned x = 0; x < Font::cell_width; ++x) {
            EXPECT_FALSE(Font::pixel(character, x, 0));
            EXPECT_FALSE(Font::pixel(character, x, 15));
            for (unsigned y = 1; y < 15; y += 2)
                EXPECT_EQ(Font::pixel(character, x, y), Font::pixel(character, x, y + 1));
        }
    }
}

TEST(ConsoleFont, KnownShapes)
{
    // 'I': a bar on top and bottom, a stem in the middle column.
    EXPECT_TRUE(Font::pixel('I', 2, 1));
    EXPECT_TRUE(Font::pixel('I', 4, 1));
    EXPECT_FALSE(Font::pixel('I', 1, 1));
    EXPECT_TRUE(Font::pixel('I', 3, 7));
    EXPECT_FALSE(Font::pixel('I', 2, 7));
    // '|' is the middle column all the way down.
    for (unsigned y = 1; y < 15; ++y)
        EXPECT_TRUE(Font::pixel('|', 3, y));
    // Control and non-ASCII bytes get the box: a full top row and hollow inside.
    for (char unprintable : { '\x01', '\x7F', static_cast<char>(0xC3) }) {
        for (unsigned x = 1; x <= 5; ++x)
            EXPECT_TRUE(Font::pixel(unprintable, x, 1));
        EXPECT_FALSE(Font::pixel(unprintable, 3, 7));
    }
}
