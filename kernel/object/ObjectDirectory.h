#pragma once

// The names a manifest's `handle = kind:name:rights` lines refer to: the publisher (the kernel for
// booted processes, a supervisor in tests) keeps its handles here, each under a name of its kind,
// and grant() copies one per manifest line into a process's table, narrowed to the rights the line
// names. Granted handles are children of the published one: revoking it takes them all back
// (time-bounded leases).
#include <kernel/object/Manifest.h>
#include <kernel/object/ProcessObject.h>

namespace ath::object {

class ObjectDirectory {
public:
    static constexpr usize capacity = 64;

    // Publishes `handle` of `table` under `name`; its rights cap what any manifest can get.
    // `table` must outlive the directory. Each kind of object has its own names (a manifest line
    // names kind:name): a process and the endpoint it serves may share a name. AlreadyExists when
    // an object of the same kind has the name.
    ErrorOr publish(StringView name, HandleTable& table, Handle handle);

    // Withdraws the object of `kind` published as `name` (the publisher closes its handle;
    // handles granted from it stay valid). NotFound when nothing is.
    ErrorOr unpublish(ObjectType kind, StringView name);

    // Copies the one handle `wanted` names into `process`'s table, narrowed to its rights. Errors
    // as for grant(); nothing changes on error.
    Result<Handle> grant_one(const ManifestHandle& wanted, ProcessObject& process) const;

    // Installs one handle per manifest line into `process`'s table, in order. Unknown names ->
    // NotFound (names are per kind: a name published only under another kind is NotFound too), rights above the grantable set -> PermissionDenied.
    // All lines are checked before anything is installed; nothing is left behind on error.
    Result<FixedVector<Handle, Manifest::max_handles>> grant(const Manifest&, ProcessObject&) const;

private:
    struct Published {
        StringView name;
        ObjectType kind;
        HandleTable* table;
        Handle handle;
    };
    const Published* find(ObjectType kind, StringView name) const;
    Result<const Published*> check(const ManifestHandle& wanted) const;
    FixedVector<Published, capacity> m_entries;
};

} // namespace ath::object
