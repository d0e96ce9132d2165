#pragma once

// The kernel command line: space-separated words (e.g. `selftest`, `panic-test`, `bench-boot`).
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

namespace ath {

class CommandLine {
public:
    static constexpr usize max_length = 1024;

    // Copies the text (it lives in loader memory that is reclaimed later). Longer text is an error.
    static Result<CommandLine> create(StringView text);

    bool has_word(StringView word) const;
    StringView text() const { return StringView(m_text, m_length); }

private:
    CommandLine() = default;
    char m_text[max_length] {};
    usize m_length { 0 };
};

} // namespace ath
