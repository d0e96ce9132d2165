#include "FramebufferConsole.h"

#include "Font.h"

#include <kernel/lib/Bits.h>

namespace ath::console {

namespace {

constexpr Rgb default_foreground { 0xD8, 0xD8, 0xD0 };
constexpr Rgb default_background { 0x10, 0x14, 0x1C };

} // namespace

Result<FramebufferConsole> FramebufferConsole::create(const boot::Framebuffer& framebuffer, void* pixels)
{
    if (framebuffer.format != boot::PixelFormat::Bgrx8888 && framebuffer.format != boot::PixelFormat::Rgbx8888)
        return Error::from(ErrorCode::Unsupported, "framebuffer pixel format is not 32-bit RGB");
    if (pixels == nullptr || reinterpret_cast<uptr>(pixels) % alignof(u32) != 0)
        return Error::from(ErrorCode::InvalidArgument, "framebuffer mapping is missing or misaligned");
    if (framebuffer.width < Font::cell_width || framebuffer.height < Font::cell_height)
        return Error::from(ErrorCode::Invalid, "framebuffer is smaller than one character");
    if (framebuffer.stride < framebuffer.width)
        return Error::from(ErrorCode::Invalid, "framebuffer stride is shorter than its width");
    auto bytes = checked_mul<u64>(static_cast<u64>(framebuffer.stride) * framebuffer.height, sizeof(u32));
    if (!bytes.has_value() || *bytes > framebuffer.size)
        return Error::from(ErrorCode::Invalid, "framebuffer is smaller than stride x height pixels");
    FramebufferConsole console(static_cast<u32*>(pixels), framebuffer.width, framebuffer.height, framebuffer.stride,
                               framebuffer.format);
    console.clear();
    return console;
}

FramebufferConsole::FramebufferConsole(u32* pixels, u32 width, u32 height, u32 stride, boot::PixelFormat format)
    : m_pixels(pixels)
    , m_width(width)
    , m_height(height)
    , m_stride(stride)
    , m_format(format)
    , m_columns(width / Font::cell_width)
    , m_rows(height / Font::cell_height)
    , m_foreground(encode(default_foreground))
    , m_background(encode(default_background))
{
}

u32 FramebufferConsole::encode(Rgb color) const
{
    // Both formats are little-endian 32-bit words: BGRX keeps blue in the low byte, RGBX red.
    if (m_format == boot::PixelFormat::Bgrx8888)
        return (u32(color.red) << 16) | (u32(color.green) << 8) | color.blue;
    return (u32(color.blue) << 16) | (u32(color.green) << 8) | color.red;
}

void FramebufferConsole::set_colors(Rgb foreground, Rgb background)
{
    m_foreground = encode(foreground);
    m_background = encode(background);
}

void FramebufferConsole::clear()
{
    for (u32 y = 0; y < m_height; ++y) {
        u32* line = m_pixels + static_cast<usize>(y) * m_stride;
        for (u32 x = 0; x < m_width; ++x)
            line[x] = m_background;
    }
    m_column = 0;
    m_row = 0;
}

void FramebufferConsole::draw_cell(u32 column, u32 row, char character)
{
    u32 left = column * Font::cell_width;
    u32 top = row * Font::cell_height;
    for (u32 y = 0; y < Font::cell_height; ++y) {
        u32* line = m_pixels + static_cast<usize>(top + y) * m_stride + left;
        u8 mask = Font::row_mask(character, y);
        for (u32 x = 0; x < Font::cell_width; ++x)
            line[x] = (mask >> (Font::cell_width - 1 - x)) & 1 ? m_foreground : m_background;
    }
}

void FramebufferConsole::scroll_up()
{
    // Move every text line but the first up by one cell, then blank the last text line. Pixels
    // below the last full text line (height % 16) are never drawn and stay as they are.
    u32 text_height = m_rows * Font::cell_height;
    for (u32 y = 0; y + Font::cell_height < text_height; ++y) {
        u32* destination = m_pixels + static_cast<usize>(y) * m_stride;
        const u32* source = m_pixels + static_cast<usize>(y + Font::cell_height) * m_stride;
        for (u32 x = 0; x < m_width; ++x)
            destination[x] = source[x];
    }
    for (u32 y = text_height - Font::cell_height; y < text_height; ++y) {
        u32* line = m_pixels + static_cast<usize>(y) * m_stride;
        for (u32 x = 0; x < m_width; ++x)
            line[x] = m_background;
    }
}

void FramebufferConsole::new_line()
{
    m_column = 0;
    if (m_row + 1 < m_rows) {
        ++m_row;
        return;
    }
    scroll_up();
}

void FramebufferConsole::put(char character)
{
    switch (character) {
    case '\n':
        new_line();
        return;
    case '\r':
        m_column = 0;
        return;
    case '\t': {
        u32 next_stop = (m_column / tab_width + 1) * tab_width;
        while (m_column < next_stop && m_column < m_columns)
            put(' ');
        return;
    }
    case '\b':
        // Erases the previous character on this line (what a line editor's backspace wants).
        if (m_column > 0) {
            --m_column;
            draw_cell(m_column, m_row, ' ');
        }
        return;
    default:
        break;
    }
    if (m_column >= m_columns)
        new_line();
    draw_cell(m_column, m_row, character);
    ++m_column;
}

void FramebufferConsole::write(StringView text)
{
    for (char character : text)
        put(character);
}

} // namespace ath::console
