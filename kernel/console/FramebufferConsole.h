#pragma once

// A text console drawn on a linear framebuffer (the one the loader describes in BootInfo), with
// the built-in 8x16 font. It wraps long lines, scrolls, and understands \n, \r, \t and backspace.
// Arch-independent: it only needs the framebuffer's description and where the kernel mapped it.
#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

namespace ath::console {

struct Rgb {
    u8 red, green, blue;
};

class FramebufferConsole {
public:
    // `pixels` is the kernel-virtual address of framebuffer.base. Fails on a description that
    // is inconsistent (stride < width, buffer too small) or has an unknown pixel format.
    static Result<FramebufferConsole> create(const boot::Framebuffer& framebuffer, void* pixels);

    void write(StringView text);
    void put(char character);
    void clear();
    void set_colors(Rgb foreground, Rgb background);

    u32 columns() const { return m_columns; }
    u32 rows() const { return m_rows; }
    u32 cursor_column() const { return m_column; }
    u32 cursor_row() const { return m_row; }

    static constexpr unsigned tab_width = 8;

private:
    FramebufferConsole(u32* pixels, u32 width, u32 height, u32 stride, boot::PixelFormat format);

    u32 encode(Rgb color) const;
    void draw_cell(u32 column, u32 row, char character);
    void new_line();
    void scroll_up();

    u32* m_pixels;
    u32 m_width;
    u32 m_height;
    u32 m_stride; // pixels per scan line
    boot::PixelFormat m_format;
    u32 m_columns;
    u32 m_rows;
    u32 m_column { 0 };
    u32 m_row { 0 };
    u32 m_foreground;
    u32 m_background;
};

} // namespace ath::console
