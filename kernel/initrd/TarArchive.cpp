#include "TarArchive.h"

#include <kernel/lib/Bits.h>

namespace ath::initrd {

namespace {

// Header field offsets and widths (POSIX ustar).
constexpr usize name_offset = 0, name_width = 100;
constexpr usize size_offset = 124, size_width = 12;
constexpr usize checksum_offset = 148, checksum_width = 8;
constexpr usize type_offset = 156;
constexpr usize magic_offset = 257;
constexpr usize prefix_offset = 345, prefix_width = 155;

Error malformed(usize offset, const char* reason) { return Error::at(ErrorCode::Malformed, offset, reason); }

// A NUL-terminated (or field-filling) string field.
StringView field_string(ReadonlyBytes header, usize offset, usize width)
{
    usize length = 0;
    while (length < width && header[offset + length] != 0)
        ++length;
    return StringView(reinterpret_cast<const char*>(header.data() + offset), length);
}

// An octal number padded with spaces/NULs; none for anything else (including base-256 values).
Optional<u64> field_octal(ReadonlyBytes header, usize offset, usize width)
{
    usize i = 0;
    while (i < width && header[offset + i] == ' ')
        ++i;
    u64 value = 0;
    usize digits = 0;
    for (; i < width; ++i) {
        u8 c = header[offset + i];
        if (c == 0 || c == ' ')
            break;
        if (c < '0' || c > '7')
            return none;
        if (value > (~u64(0) >> 3))
            return none;
        value = (value << 3) | (c - '0');
        ++digits;
    }
    for (; i < width; ++i) {
        if (header[offset + i] != 0 && header[offset + i] != ' ')
            return none;
    }
    if (digits == 0)
        return none;
    return value;
}

bool is_zero_block(ReadonlyBytes block)
{
    for (u8 byte : block) {
        if (byte != 0)
            return false;
    }
    return true;
}

StringView strip_leading_dot_slash(StringView path)
{
    while (path.starts_with("./"))
        path = path.substring(2);
    return path;
}

StringView strip_trailing_slash(StringView path)
{
    while (!path.is_empty() && path[path.length() - 1] == '/')
        path = path.substring(0, path.length() - 1);
    return path;
}

// A path component ".." could name something outside the initrd once paths are resolved.
bool has_parent_component(StringView path)
{
    bool found = false;
    for_each_split(path, '/', [&](StringView component) {
        if (component == "..")
            found = true;
    });
    return found;
}

} // namespace

bool TarEntry::path_equals(StringView path) const
{
    path = strip_leading_dot_slash(path);
    if (prefix.is_empty())
        return path == name;
    // prefix + '/' + name
    if (path.length() != prefix.length() + 1 + name.length())
        return false;
    return path.substring(0, prefix.length()) == prefix && path[prefix.length()] == '/'
        && path.substring(prefix.length() + 1) == name;
}

Result<TarArchive> TarArchive::create(ReadonlyBytes image)
{
    TarArchive archive;
    archive.m_image = image;
    usize offset = 0;
    while (true) {
        auto header_or_none = image.try_slice(offset, block_size);
        if (!header_or_none.has_value())
            return malformed(offset, "initrd: archive ends without an end-of-archive block");
        ReadonlyBytes header = *header_or_none;
        if (is_zero_block(header))
            return archive;

        StringView magic = field_string(header, magic_offset, 6);
        if (!(magic == "ustar" || magic == "ustar "))
            return malformed(offset + magic_offset, "initrd: not a ustar header");

        auto checksum = field_octal(header, checksum_offset, checksum_width);
        if (!checksum.has_value())
            return malformed(offset + checksum_offset, "initrd: malformed checksum field");
        u64 sum = 0;
        for (usize i = 0; i < block_size; ++i)
            sum += (i >= checksum_offset && i < checksum_offset + checksum_width) ? u8(' ') : header[i];
        if (sum != *checksum)
            return malformed(offset + checksum_offset, "initrd: header checksum mismatch");

        auto size = field_octal(header, size_offset, size_width);
        if (!size.has_value())
            return malformed(offset + size_offset, "initrd: malformed size field");

        u8 type = header[type_offset];
        if (type != '0' && type != 0 && type != '5')
            return malformed(offset + type_offset, "initrd: unsupported entry type (only files and directories)");
        if (type == '5' && *size != 0)
            return malformed(offset + size_offset, "initrd: directory entry with contents");

        StringView name = field_string(header, name_offset, name_width);
        StringView prefix = magic == "ustar" ? field_string(header, prefix_offset, prefix_width) : StringView();
        if (strip_trailing_slash(strip_leading_dot_slash(name)).is_empty() && prefix.is_empty() && type != '5')
            return malformed(offset + name_offset, "initrd: entry without a name");
        if (has_parent_component(name) || has_parent_component(prefix))
            return malformed(offset + name_offset, "initrd: path with a '..' component");

        if (!range_within<u64>(offset + block_size, *size, image.size()))
            return malformed(offset + size_offset, "initrd: entry contents run past the archive");
        auto padded = checked_align_up<u64>(*size, block_size);
        if (!padded.has_value())
            return malformed(offset + size_offset, "initrd: entry size overflows");
        offset += block_size + static_cast<usize>(*padded);
        ++archive.m_entry_count;
    }
}

TarArchive::ParsedEntry TarArchive::parse_entry(usize offset) const
{
    ReadonlyBytes header = m_image.slice(offset, block_size);
    u64 size = *field_octal(header, size_offset, size_width);
    StringView magic = field_string(header, magic_offset, 6);
    TarEntry entry;
    entry.kind = header[type_offset] == '5' ? TarEntry::Kind::Directory : TarEntry::Kind::File;
    entry.prefix = strip_trailing_slash(strip_leading_dot_slash(magic == "ustar" ? field_string(header, prefix_offset, prefix_width) : StringView()));
    entry.name = strip_trailing_slash(strip_leading_dot_slash(field_string(header, name_offset, name_width)));
    entry.contents = m_image.slice(offset + block_size, static_cast<usize>(size));
    return { entry, offset + block_size + static_cast<usize>(align_up<u64>(size, block_size)) };
}

Optional<TarEntry> TarArchive::find(StringView path) const
{
    Optional<TarEntry> found;
    for_each([&](const TarEntry& entry) {
        if (!found.has_value() && entry.kind == TarEntry::Kind::File && entry.path_equals(path))
            found = entry;
    });
    return found;
}

} // namespace ath::initrd
