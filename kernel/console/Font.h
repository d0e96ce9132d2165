#pragma once

// Azoth's built-in console font: printable ASCII in 8x16 pixel cells, designed on a 5x8 grid
// (cap height 7 rows plus a descender row), each design pixel drawn 1 wide and 2 tall.
#include <kernel/lib/Types.h>

namespace ath::console {

class Font {
public:
    static constexpr unsigned cell_width = 8;
    static constexpr unsigned cell_height = 16;
    static constexpr unsigned design_width = 5;
    static constexpr unsigned design_height = 8;
    static constexpr unsigned first_character = 0x20;
    static constexpr unsigned glyph_count = 0x7F - 0x20;

    struct Glyph {
        u8 rows[design_height]; // bit (design_width - 1 - x) is column x
    };

    // Characters outside printable ASCII get a box.
    static const Glyph& glyph_for(char character);
    // Row y of the character's 8x16 cell: bit 7 is the leftmost pixel, a set bit is ink.
    static u8 row_mask(char character, unsigned y);
    // Whether the pixel (x, y) of the character's 8x16 cell is ink.
    static bool pixel(char character, unsigned x, unsigned y)
    {
        return x < cell_width && ((row_mask(character, y) >> (cell_width - 1 - x)) & 1) != 0;
    }
};

} // namespace ath::console
