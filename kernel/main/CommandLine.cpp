#include <kernel/main/CommandLine.h>

namespace ath {

namespace {
bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0'; }
}

Result<CommandLine> CommandLine::create(StringView text)
{
    // cmdline.txt usually ends with a newline; trailing separators are not part of any word.
    while (!text.is_empty() && is_separator(text[text.length() - 1]))
        text = text.substring(0, text.length() - 1);
    if (text.length() > max_length)
        return Error::from(ErrorCode::OutOfRange, "kernel command line is too long");
    CommandLine line;
    for (usize i = 0; i < text.length(); ++i) {
        char c = text[i];
        // Control characters become separators so a stray byte cannot glue two words together.
        line.m_text[i] = (static_cast<u8>(c) < 0x20 || static_cast<u8>(c) == 0x7F) ? ' ' : c;
    }
    line.m_length = text.length();
    return line;
}

bool CommandLine::has_word(StringView word) const
{
    usize position = 0;
    while (position < m_length) {
        while (position < m_length && is_separator(m_text[position]))
            ++position;
        usize start = position;
        while (position < m_length && !is_separator(m_text[position]))
            ++position;
        if (position > start && StringView(m_text + start, position - start) == word)
            return true;
    }
    return false;
}

} // namespace ath
