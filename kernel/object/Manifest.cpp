#include "Manifest.h"

namespace ath::object {

namespace {

struct NamedRight {
    StringView name;
    Rights right;
};
constexpr NamedRight right_names[] = {
    { "read", Rights::Read }, { "write", Rights::Write }, { "map", Rights::Map }, { "call", Rights::Call },
    { "transfer", Rights::Transfer }, { "derive", Rights::Derive }, { "revoke", Rights::Revoke },
};

struct NamedKind {
    StringView name;
    ObjectType kind;
};
constexpr NamedKind kind_names[] = {
    { "endpoint", ObjectType::Endpoint }, { "region", ObjectType::Region }, { "channel", ObjectType::Channel },
    { "event", ObjectType::Event }, { "process", ObjectType::Process },
    { "device", ObjectType::Device }, { "irq", ObjectType::Irq }, { "timer", ObjectType::Timer },
};

Result<ObjectType> parse_kind(StringView text)
{
    for (auto& kind : kind_names) {
        if (kind.name == text)
            return kind.kind;
    }
    return Error::from(ErrorCode::Malformed, "unknown object kind");
}

bool is_valid_name(StringView name)
{
    if (name.is_empty() || name.length() > 31)
        return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace

Result<Rights> parse_rights(StringView text)
{
    if (text.is_empty())
        return Error::from(ErrorCode::Malformed, "empty rights list");
    Rights rights = Rights::None;
    bool bad = false;
    for_each_split(text, '+', [&](StringView piece) {
        bool known = false;
        for (auto& right : right_names) {
            if (right.name == piece) {
                rights = rights | right.right;
                known = true;
            }
        }
        bad |= !known;
    });
    if (bad || text[0] == '+' || text[text.length() - 1] == '+' || text.contains("++"))
        return Error::from(ErrorCode::Malformed, "unknown right in rights list");
    return rights;
}

Result<Manifest> Manifest::parse(StringView text)
{
    Manifest manifest;
    usize line_start = 0;
    while (line_start < text.length()) {
        usize line_end = text.find('\n', line_start).value_or(text.length());
        StringView line = text.substring(line_start, line_end - line_start);
        u64 offset = line_start;
        line_start = line_end + 1;
        if (auto hash = line.find('#'); hash.has_value())
            line = line.substring(0, *hash);
        line = line.trim_whitespace();
        if (line.is_empty())
            continue;
        auto equals = line.find('=');
        if (!equals.has_value())
            return Error::at(ErrorCode::Malformed, offset, "manifest line is not key=value");
        StringView key = line.substring(0, *equals).trim_whitespace();
        StringView value = line.substring(*equals + 1).trim_whitespace();
        if (key == "name") {
            if (!manifest.name.is_empty())
                return Error::at(ErrorCode::Malformed, offset, "manifest names the module twice");
            if (!is_valid_name(value))
                return Error::at(ErrorCode::Malformed, offset, "module name must be 1..31 of [A-Za-z0-9._-]");
            manifest.name = value;
            continue;
        }
        if (key != "handle")
            return Error::at(ErrorCode::Malformed, offset, "unknown manifest key");
        auto first = value.find(':');
        auto second = first.has_value() ? value.find(':', *first + 1) : Optional<usize> {};
        if (!second.has_value())
            return Error::at(ErrorCode::Malformed, offset, "handle must be kind:name:rights");
        ManifestHandle handle;
        auto kind = parse_kind(value.substring(0, *first));
        if (kind.is_error())
            return Error::at(ErrorCode::Malformed, offset, kind.error().reason);
        handle.kind = kind.value();
        handle.object_name = value.substring(*first + 1, *second - *first - 1);
        if (!is_valid_name(handle.object_name))
            return Error::at(ErrorCode::Malformed, offset, "object name must be 1..31 of [A-Za-z0-9._-]");
        auto rights = parse_rights(value.substring(*second + 1));
        if (rights.is_error())
            return Error::at(ErrorCode::Malformed, offset, rights.error().reason);
        handle.rights = rights.value();
        if (manifest.handles.is_full())
            return Error::at(ErrorCode::Malformed, offset, "too many handles in manifest");
        TRY(manifest.handles.try_append(handle));
    }
    if (manifest.name.is_empty())
        return Error::from(ErrorCode::Malformed, "manifest has no name= line");
    return manifest;
}

ErrorOr ObjectDirectory::publish(StringView name, HandleTable& table, Handle handle)
{
    if (!is_valid_name(name))
        return Error::from(ErrorCode::InvalidArgument, "bad directory name");
    Rights rights = TRY(table.rights_of(handle));
    if (!has_all(rights, Rights::Transfer))
        return Error::from(ErrorCode::PermissionDenied, "published handles need the transfer right");
    for (auto& entry : m_entries) {
        if (entry.name == name)
            return Error::from(ErrorCode::AlreadyExists, "name already published");
    }
    if (m_entries.is_full())
        return Error::from(ErrorCode::Exhausted, "object directory is full");
    TRY(m_entries.try_append(Published { name, &table, handle }));
    return {};
}

Result<FixedVector<Handle, Manifest::max_handles>> ObjectDirectory::grant(const Manifest& manifest, Process& process) const
{
    const Published* sources[Manifest::max_handles] {};
    usize index = 0;
    for (auto& wanted : manifest.handles) {
        const Published* found = nullptr;
        for (auto& entry : m_entries) {
            if (entry.name == wanted.object_name)
                found = &entry;
        }
        if (!found)
            return Error::from(ErrorCode::NotFound, "manifest names an object nobody published");
        auto kind = found->table->type_of(found->handle);
        if (kind.is_error())
            return Error::from(ErrorCode::NotFound, "published handle is no longer valid");
        if (kind.value() != wanted.kind)
            return Error::from(ErrorCode::InvalidArgument, "manifest names the object with the wrong kind");
        Rights grantable = TRY(found->table->rights_of(found->handle));
        if (!is_subset(wanted.rights, grantable))
            return Error::from(ErrorCode::PermissionDenied, "manifest asks for more rights than may be granted");
        sources[index++] = found;
    }
    if (HandleTable::capacity - process.handles().live_count() < manifest.handles.size())
        return Error::from(ErrorCode::Exhausted, "process handle table cannot hold the manifest's handles");
    FixedVector<Handle, Manifest::max_handles> handles;
    for (usize i = 0; i < manifest.handles.size(); ++i) {
        auto copied = sources[i]->table->transfer(sources[i]->handle, process.handles(), manifest.handles[i].rights, TransferMode::Copy);
        if (copied.is_error()) {
            for (Handle handle : handles)
                (void)process.handles().close(handle);
            return copied.release_error();
        }
        TRY(handles.try_append(copied.value()));
    }
    return handles;
}

} // namespace ath::object
