#pragma once

// Least privilege: a module gets the handles its manifest names and nothing else.
//
// Manifest text, one item per line, '#' starts a comment:
//   name=console-client
//   handle=endpoint:console:call
//   handle=region:framebuffer:read+map
// A handle line is kind:object-name:rights, rights joined by '+' from read, write, map, call,
// transfer, derive, revoke. The supervisor publishes its own handles (which need Transfer) in an
// ObjectDirectory; grant() copies one per line into the process's table, narrowed to the rights the
// line names, or gives nothing. Granted handles are children of the supervisor's: revoking the
// published handle takes them all back (time-bounded leases).
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/StringView.h>
#include <kernel/object/Process.h>

namespace ath::object {

struct ManifestHandle {
    ObjectType kind { ObjectType::Endpoint };
    StringView object_name;
    Rights rights { Rights::None };
};

struct Manifest {
    static constexpr usize max_handles = 16;

    StringView name;
    FixedVector<ManifestHandle, max_handles> handles;

    // Views point into `text`, which must outlive the manifest. Errors are Malformed with the
    // byte offset of the offending line.
    static Result<Manifest> parse(StringView text);
};

Result<Rights> parse_rights(StringView text);

class ObjectDirectory {
public:
    static constexpr usize capacity = 32;

    // Publishes `handle` of `table` under `name`; its rights cap what any manifest can get.
    // `table` must outlive the directory.
    ErrorOr publish(StringView name, HandleTable& table, Handle handle);

    // Installs one handle per manifest line into `process`'s table, in order. Unknown names ->
    // NotFound, kind mismatch -> InvalidArgument, rights above the grantable set -> PermissionDenied.
    // All lines are checked before anything is installed; nothing is left behind on error.
    Result<FixedVector<Handle, Manifest::max_handles>> grant(const Manifest&, Process&) const;

private:
    struct Published {
        StringView name;
        HandleTable* table;
        Handle handle;
    };
    FixedVector<Published, capacity> m_entries;
};

} // namespace ath::object
