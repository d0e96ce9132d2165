#include <gtest/gtest.h>
#include <set>
#include <string>
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
            // Column 0 and columns 6..7 space the characters of a line.
            EXPECT_FALSE(Font::pixel(character, 0, y));
            EXPECT_FALSE(Font::pixel(character, 6, y));
            EXPECT_FALSE(Font::pixel(character, 7, y));
        }
        for (unsigned x = 0; x < Font::cell_width; ++x) {
            for (unsigned y = 0; y < Font::cell_height; y += 2)
                EXPECT_EQ(Font::pixel(character, x, y), Font::pixel(character, x, y + 1));
        }
    }
}

TEST(ConsoleFont, OnlyDescendersReachBelowTheBaseline)
{
    std::string descenders = "gjpqy";
    for (int code = 0x20; code < 0x7F; ++code) {
        char character = static_cast<char>(code);
        bool below_baseline = false;
        for (unsigned x = 0; x < Font::cell_width; ++x)
            below_baseline |= Font::pixel(character, x, 14);
        EXPECT_EQ(below_baseline, descenders.find(character) != std::string::npos) << "glyph " << character;
    }
}

TEST(ConsoleFont, KnownShapes)
{
    // 'I': a bar on top and bottom, a stem in the middle column.
    EXPECT_TRUE(Font::pixel('I', 2, 0));
    EXPECT_TRUE(Font::pixel('I', 4, 0));
    EXPECT_FALSE(Font::pixel('I', 1, 0));
    EXPECT_TRUE(Font::pixel('I', 3, 6));
    EXPECT_FALSE(Font::pixel('I', 2, 6));
    // '|' is the middle column from the cap line to the baseline.
    for (unsigned y = 0; y < 14; ++y)
        EXPECT_TRUE(Font::pixel('|', 3, y));
    // 'p' has its stem below the baseline, 'P' does not.
    EXPECT_TRUE(Font::pixel('p', 1, 15));
    EXPECT_FALSE(Font::pixel('P', 1, 15));
    // Control and non-ASCII bytes get the box: a full top row and hollow inside.
    for (char unprintable : { '\x01', '\x7F', static_cast<char>(0xC3) }) {
        for (unsigned x = 1; x <= 5; ++x)
            EXPECT_TRUE(Font::pixel(unprintable, x, 0));
        EXPECT_FALSE(Font::pixel(unprintable, 3, 6));
    }
}
