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
    { "console", ObjectType::Console },
};

Result<ObjectType> parse_kind(StringView text)
{
    for (auto& kind : kind_names) {
        if (kind.name == text)
            return kind.kind;
    }
    return Error::from(ErrorCode::Malformed, "unknown object kind");
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

bool is_valid_object_name(StringView name)
{
    if (name.is_empty() || name.length() > Manifest::max_name_length)
        return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

namespace {

Result<u64> parse_number(StringView text, u64 limit)
{
    auto value = text.to_u64();
    if (!value.has_value() || *value > limit)
        return Error::from(ErrorCode::Malformed, "manifest: number out of range");
    return *value;
}

// A key naming one object, given once (`name`, `serves`): `twice` when `field` is set already,
// `invalid` when `value` is not an object name.
ErrorOr set_name_once(StringView& field, StringView value, const char* twice, const char* invalid)
{
    if (!field.is_empty())
        return Error::from(ErrorCode::Malformed, twice);
    if (!is_valid_object_name(value))
        return Error::from(ErrorCode::Malformed, invalid);
    field = value;
    return {};
}

ErrorOr parse_key(Manifest& manifest, ManifestKey key, StringView value)
{
    switch (key) {
    case ManifestKey::Name:
        return set_name_once(manifest.name, value, "manifest: names the module twice",
                             "manifest: module name must be 1..31 of [A-Za-z0-9._-]");
    case ManifestKey::Handle: {
        auto first = value.find(':');
        auto second = first.has_value() ? value.find(':', *first + 1) : Optional<usize> {};
        if (!second.has_value())
            return Error::from(ErrorCode::Malformed, "manifest: handle must be kind:name:rights");
        ManifestHandle handle;
        auto kind = parse_kind(value.substring(0, *first));
        if (kind.is_error())
            return Error::from(ErrorCode::Malformed, "manifest: unknown object kind");
        handle.kind = kind.value();
        handle.object_name = value.substring(*first + 1, *second - *first - 1);
        if (!is_valid_object_name(handle.object_name))
            return Error::from(ErrorCode::Malformed, "manifest: object name must be 1..31 of [A-Za-z0-9._-]");
        auto rights = parse_rights(value.substring(*second + 1));
        if (rights.is_error())
            return Error::from(ErrorCode::Malformed, "manifest: unknown right in rights list");
        handle.rights = rights.value();
        if (manifest.handles.is_full())
            return Error::from(ErrorCode::Malformed, "manifest: too many handles");
        return manifest.handles.try_append(handle);
    }
    case ManifestKey::Serves:
        return set_name_once(manifest.serves, value, "manifest: serves one endpoint at most",
                             "manifest: endpoint name must be 1..31 of [A-Za-z0-9._-]");
    case ManifestKey::Args:
        manifest.arguments = value;
        return {};
    case ManifestKey::Restart:
        if (value == "never")
            manifest.restart = RestartPolicy::Never;
        else if (value == "on-failure")
            manifest.restart = RestartPolicy::OnFailure;
        else if (value == "always")
            manifest.restart = RestartPolicy::Always;
        else
            return Error::from(ErrorCode::Malformed, "manifest: restart must be never, on-failure or always");
        return {};
    case ManifestKey::MaxRestarts:
        manifest.max_restarts = static_cast<u32>(TRY(parse_number(value, 1'000'000)));
        return {};
    case ManifestKey::CpuLimitMs:
        manifest.cpu_limit_ns = TRY(parse_number(value, 86'400'000)) * 1'000'000;
        return {};
    case ManifestKey::Priority:
        manifest.priority = static_cast<u8>(TRY(parse_number(value, 7)));
        return {};
    case ManifestKey::Tier:
        if (value == "compiled")
            manifest.tier = ManifestTier::Compiled;
        else if (value == "interp")
            manifest.tier = ManifestTier::Interpreter;
        else
            return Error::from(ErrorCode::Malformed, "manifest: tier must be compiled or interp");
        return {};
    case ManifestKey::Capabilities: {
        bool bad = false;
        for_each_split(value, ' ', [&](StringView word) {
            if (word.is_empty())
                return;
            if (word == "supervisor")
                manifest.supervisor = true;
            else if (word == "console")
                manifest.console = true;
            else if (word == "serial-port")
                manifest.serial_port = true;
            else if (word == "pci")
                manifest.pci = true;
            else if (word == "entropy-source")
                manifest.entropy_source = true;
            else if (word == "precise-time")
                manifest.precise_time = true;
            else if (word == "process-admin")
                manifest.process_admin = true;
            else
                bad = true;
        });
        if (bad)
            return Error::from(ErrorCode::Malformed, "manifest: unknown capability");
        return {};
    }
    }
    return Error::from(ErrorCode::Malformed, "manifest: unknown key");
}

// One `key = value` line (manifest_keys, then the resource limits); errors carry no offset yet.
ErrorOr parse_line(Manifest& manifest, StringView key, StringView value)
{
    for (auto& info : manifest_keys) {
        if (info.name == key)
            return parse_key(manifest, info.key, value);
    }
    for (usize i = 0; i < resource_kind_count; ++i) {
        const ResourceKindInfo& kind = resource_kinds[i];
        if (key != kind.manifest_key)
            continue;
        if (manifest.has_limit(static_cast<Resource>(i)))
            return Error::from(ErrorCode::Malformed, "manifest: names a resource limit twice");
        u64 number = TRY(parse_number(value, kind.manifest_maximum));
        manifest.limits.limits[i] = number * kind.manifest_unit;
        manifest.limits_set |= 1u << i;
        return {};
    }
    return Error::from(ErrorCode::Malformed, "manifest: unknown key");
}

} // namespace

Result<Manifest> Manifest::parse(StringView text, StringView default_name)
{
    Manifest manifest;
    TRY(for_each_content_line(text, [&](StringView line, usize offset) -> ErrorOr {
        auto equals = line.find('=');
        if (!equals.has_value())
            return Error::at(ErrorCode::Malformed, offset, "manifest: a line without '='");
        auto parsed = parse_line(manifest, line.substring(0, *equals).trim_whitespace(), line.substring(*equals + 1).trim_whitespace());
        if (parsed.is_error())
            return Error::at(ErrorCode::Malformed, offset, parsed.error().reason);
        return {};
    }));
    if (!default_name.is_empty()) {
        if (!is_valid_object_name(default_name))
            return Error::from(ErrorCode::Malformed, "manifest: module name must be 1..31 of [A-Za-z0-9._-]");
        if (manifest.name.is_empty())
            manifest.name = default_name;
        else if (manifest.name != default_name)
            return Error::from(ErrorCode::Malformed, "manifest: name differs from the module's file name");
    }
    if (manifest.name.is_empty())
        return Error::from(ErrorCode::Malformed, "manifest: no name");
    return manifest;
}

} // namespace ath::object
