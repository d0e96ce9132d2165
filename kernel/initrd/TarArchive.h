#pragma once

// A read-only view of a POSIX ustar archive — the initrd format. `create` checks every header
// (checksum, octal fields, sizes inside the archive, names terminated, end-of-archive marker) before
// anything looks inside, so a corrupt initrd is an Error naming the offset, never a crash or a read
// outside the image. Supported entry types: regular files ('0' or NUL) and directories ('5');
// others (links, devices, pax headers) are refused: an initrd never needs them.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>

namespace ath::initrd {

struct TarEntry {
    enum class Kind : u8 { File, Directory };
    Kind kind;
    // The path is `prefix/name` when the ustar prefix is used, else `name`; a leading "./" and a
    // trailing "/" (directories) are dropped. Views into the archive's bytes.
    StringView prefix;
    StringView name;
    ReadonlyBytes contents;

    bool path_equals(StringView path) const;
};

class TarArchive {
public:
    static constexpr usize block_size = 512;

    static Result<TarArchive> create(ReadonlyBytes image);

    usize entry_count() const { return m_entry_count; }
    // Looks a file up by its path; a leading "./" in either is ignored.
    Optional<TarEntry> find(StringView path) const;

    // Calls callback(const TarEntry&) for each entry in archive order.
    template<typename Callback>
    void for_each(Callback callback) const
    {
        usize offset = 0;
        for (usize i = 0; i < m_entry_count; ++i) {
            auto parsed = parse_entry(offset);
            callback(parsed.entry);
            offset = parsed.next;
        }
    }

private:
    struct ParsedEntry {
        TarEntry entry;
        usize next;
    };
    // Only called on validated archives.
    ParsedEntry parse_entry(usize offset) const;

    ReadonlyBytes m_image;
    usize m_entry_count { 0 };
};

} // namespace ath::initrd
