#pragma once

// File names on FAT: the long name (VFAT, UTF-16, up to 255 units, case preserved) that the API
// speaks in UTF-8, and the 8.3 short name every entry has (upper case OEM characters, space
// padded; Windows NT's two case bits let an all-lower-case base or extension stay a short name
// alone). Names compare without case (ASCII and Latin-1 letters), as FAT requires.
#include <kernel/lib/StringView.h>
#include <kernel/sys/Errno.h>

namespace ath::fat {

using sys::Errno;

inline constexpr u32 max_long_name = 255;

struct LongName {
    u16 units[max_long_name + 1] {};
    u32 length { 0 };

    bool operator==(const LongName& other) const;
};

// UTF-8 -> UTF-16; EILSEQ for invalid UTF-8, ENAMETOOLONG past 255 units.
Errno long_name_from_utf8(StringView text, LongName& name);
// UTF-16 -> UTF-8 into `out`; unpaired surrogates become U+FFFD. Returns the bytes written
// (at most 3 per unit: `out` of 3 * 255 bytes always suffices).
usize utf8_from_long_name(const LongName& name, Span<char> out);
inline constexpr usize max_utf8_name = usize(3) * max_long_name;

// A name a new entry may have: not empty, not `.`/`..`, no control characters or any of
// `"*/:<>?\|`, no trailing space or dot (Windows would strip them; we refuse instead: EINVAL).
Errno check_new_name(const LongName& name);

bool equal_ignoring_case(const LongName& a, const LongName& b);

struct ShortName {
    u8 bytes[11];
    u8 case_flags { 0 };
};

// The name as an 8.3 short name when it is one exactly (upper case, or an all-lower-case base
// and/or extension: the case bits): no long-name entries are needed then.
bool short_name_exactly(const LongName& name, ShortName& out);
// The basis of a generated short name ("LONGFI" "TXT" for "long file.txt"): at most 8 + 3 valid
// OEM characters; the caller adds a ~N tail that makes it unique in its directory.
void short_name_basis(const LongName& name, ShortName& out);
// `basis` with the tail ~N (1 <= N <= 999999) at the end of its base.
ShortName with_tail(const ShortName& basis, u32 number);
// The short name as the long name an entry without long-name entries shows (case bits applied;
// bytes >= 0x80 read as Latin-1).
void long_name_from_short(const u8* bytes, u8 case_flags, LongName& out);

u8 short_name_checksum(const u8* bytes);

} // namespace ath::fat
