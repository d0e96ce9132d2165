#pragma once

// Module manifests: the one format and the one parser for everything a module is granted and
// limited to (kernel/process/ModuleTable.h reads them from the initrd as modules/NAME.manifest).
// One `key = value` per line, '#' starts a comment. Every key, its values and its default are in
// manifest_keys below and resource_kinds (ResourceAccount.h), and in docs/processes.md "Manifest
// reference" (a test keeps the two equal). Least privilege: a module gets the handles its manifest
// names and nothing else (kernel/object/ObjectDirectory.h grants them). Errors are Malformed with
// the byte offset of the offending line and a reason starting "manifest: ".
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/StringView.h>
#include <kernel/object/Object.h>
#include <kernel/object/Rights.h>
#include <kernel/object/ResourceAccount.h>

namespace ath::object {

// Every key of the format except the resource limits (those are resource_kinds[], ResourceAccount.h),
// with what docs/processes.md says of it: tests/unit/object/ManifestTest.cpp checks that the
// reference table there lists exactly these keys with these values and defaults.
enum class ManifestKey : u8 { Name, Args, Restart, MaxRestarts, CpuLimitMs, Priority, Capabilities, Handle, Serves, Tier };
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
    { ManifestKey::Capabilities, "capabilities", "words from supervisor, console, serial-port, pci, entropy-source, precise-time, process-admin", "none" },
    { ManifestKey::Handle, "handle", "kind:object-name:rights (repeatable, up to 16)", "none" },
    { ManifestKey::Serves, "serves", "an endpoint name (1..31 of [A-Za-z0-9._-])", "none" },
    { ManifestKey::Tier, "tier", "compiled or interp", "the kernel's (tier= on its command line)" },
};

struct ManifestHandle {
    ObjectType kind { ObjectType::Endpoint };
    StringView object_name;
    Rights rights { Rights::None };
};

enum class RestartPolicy : u8 { Never = 0, OnFailure = 1, Always = 2 };
// The engine tier a manifest pins its module to (kernel/process/ExecutionTier.h); Default: the
// kernel's choice. Compiled still needs a compiler for the arch (otherwise the interpreter).
enum class ManifestTier : u8 { Default = 0, Interpreter = 1, Compiled = 2 };

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
    ManifestTier tier { ManifestTier::Default };
    bool supervisor { false };
    bool console { false };
    bool serial_port { false };
    bool pci { false }; // may list and open PCI functions (azoth.pci_list, pci_open)
    bool entropy_source { false }; // may feed the kernel's random pool (azoth.entropy_add)
    // Sees the clocks at full resolution; without it clock_time_get and clock_res_get answer in
    // steps of coarse_clock_ns (a timing side channel closed by default: docs/security.md).
    bool precise_time { false };
    // May list every process and kill any but the roots (azoth.process_list, process_kill): a shell.
    bool process_admin { false };
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

} // namespace ath::object
