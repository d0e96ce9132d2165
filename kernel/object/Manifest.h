#pragma once

// Module manifests: the one format and the one parser for everything a module is granted
// (kernel/process/Manifest.h reads them from the initrd as modules/NAME.manifest). One
// `key = value` per line, '#' starts a comment:
//   name = console-client           the module's name (default: the file's NAME; must match it)
//   args = NAME --flag value        argv, split at spaces (default: NAME)
//   restart = never | on-failure | always   what a supervisor does when it ends (default never)
//   max-restarts = N                give up after N restarts (default 10)
//   cpu-limit-ms = N                watchdog: killed after N ms of CPU time (default: none)
//   priority = 0..7                 scheduling priority (default 4)
//   capabilities = a b c            supervisor, console, serial-port (docs/processes.md)
//   handle = kind:object-name:rights    a handle the module gets (repeatable, up to 16)
//   serves = NAME                   the module serves endpoint NAME (its azoth_handle export)
//   max-memory-mb = N               resource limits (kernel/object/ResourceAccount.h lists each key,
//   max-kernel-heap-mb = N          its unit and what it counts; docs/security.md their defaults):
//   max-table-elements = N          a key left out gets the default, ResourceLimits::defaults()
//   max-handles = N, max-regions = N, max-channels = N, max-read-only-mappings = N, max-timers = N
// Least privilege: a module gets the handles its manifest names and nothing else. A handle line
// is kind:object-name:rights (kinds endpoint, region, channel, event, process), rights joined by
// '+' from read, write, map, call, transfer, derive, revoke. The publisher (the kernel for booted
// processes, a supervisor in tests) keeps its own handles, which need Transfer, in an
// ObjectDirectory; grant() copies one per line into the process's table, narrowed to the rights
// the line names, or gives nothing. Granted handles are children of the published one: revoking it
// takes them all back (time-bounded leases). Errors are Malformed with the byte offset of the
// offending line and a reason starting "manifest: ".
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/StringView.h>
#include <kernel/object/Process.h>
#include <kernel/object/ResourceAccount.h>

namespace ath::object {

// Every key of the format except the resource limits (those are resource_kinds[], ResourceAccount.h),
// with what docs/processes.md says of it: tests/unit/object/ManifestTest.cpp checks that the
// reference table there lists exactly these keys with these values and defaults.
enum class ManifestKey : u8 { Name, Args, Restart, MaxRestarts, CpuLimitMs, Priority, Capabilities, Handle, Serves };
struct ManifestKeyInfo {
    ManifestKey key;
    StringView name;         // the word before '='
    StringView value;        // what may follow '='
    StringView default_text; // what a manifest without the line gets
};
inline constexpr ManifestKeyInfo manifest_keys[] = {
    { ManifestKey::Name, "name", "1..31 of [A-Za-z0-9._-]", "the file's NAME (must match it)" },
    { ManifestKey::Args, "args", "words split at spaces, argv[0] first", "NAME" },
    { ManifestKey::Restart, "restart", "never, on-failure or always", "never" },
    { ManifestKey::MaxRestarts, "max-restarts", "0..1000000", "10" },
    { ManifestKey::CpuLimitMs, "cpu-limit-ms", "0..86400000 (ms of CPU time)", "none" },
    { ManifestKey::Priority, "priority", "0..7", "4" },
    { ManifestKey::Capabilities, "capabilities", "words from supervisor, console, serial-port", "none" },
    { ManifestKey::Handle, "handle", "kind:object-name:rights (repeatable, up to 16)", "none" },
    { ManifestKey::Serves, "serves", "an endpoint name (1..31 of [A-Za-z0-9._-])", "none" },
};

struct ManifestHandle {
    ObjectType kind { ObjectType::Endpoint };
    StringView object_name;
    Rights rights { Rights::None };
};

enum class RestartPolicy : u8 { Never = 0, OnFailure = 1, Always = 2 };

struct Manifest {
    static constexpr usize max_handles = 16;
    static constexpr usize max_name_length = 31;

    StringView name;
    FixedVector<ManifestHandle, max_handles> handles;
    StringView serves;     // empty: serves no endpoint
    StringView arguments;  // the `args` line; empty: just the name
    RestartPolicy restart { RestartPolicy::Never };
    u32 max_restarts { 10 };
    u64 cpu_limit_ns { 0 };
    u8 priority { 4 };
    bool supervisor { false };
    bool console { false };
    bool serial_port { false };
    // Resource limits the manifest names (bit i of limits_set: Resource i has a line); the others
    // are left to the defaults.
    ResourceLimits limits;
    u32 limits_set { 0 };
    bool has_limit(Resource kind) const { return (limits_set >> static_cast<u32>(kind)) & 1; }

    // Views point into `text` (and `default_name`), which must outlive the manifest. Without a
    // `name` line the name is `default_name`; with both they must agree; with neither: Malformed.
    static Result<Manifest> parse(StringView text, StringView default_name = {});
};

// Names: 1..31 of [A-Za-z0-9._-].
bool is_valid_object_name(StringView name);

Result<Rights> parse_rights(StringView text);

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
    Result<Handle> grant_one(const ManifestHandle& wanted, Process& process) const;

    // Installs one handle per manifest line into `process`'s table, in order. Unknown names ->
    // NotFound, kind mismatch -> InvalidArgument, rights above the grantable set -> PermissionDenied.
    // All lines are checked before anything is installed; nothing is left behind on error.
    Result<FixedVector<Handle, Manifest::max_handles>> grant(const Manifest&, Process&) const;

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
