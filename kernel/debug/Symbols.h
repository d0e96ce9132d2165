#pragma once

// The kernel's own symbol table, embedded in the image by a second link (see
// kernel/debug/generate_symbols.py and kernel/CMakeLists.txt), so a backtrace names functions.
#include <kernel/lib/Optional.h>
#include <kernel/lib/StringView.h>

namespace ath::debug {

struct SymbolLocation {
    StringView name;
    u64 offset; // bytes past the symbol's start
};

// The function containing `address`, if the table has one; none for addresses outside the
// kernel's text or when the image carries no table (the first link).
Optional<SymbolLocation> find_symbol(u64 address);
usize symbol_count();

} // namespace ath::debug
