#pragma once

// Module manifests in the initrd: modules/NAME.manifest next to modules/NAME.wasm, in the one
// manifest format (kernel/object/Manifest.h lists every key: args, restart, max-restarts,
// cpu-limit-ms, priority, capabilities, handle, serves, and the resource limits max-*). Capabilities: `supervisor` (may spawn and
// supervise the other modules), `console` (WASI stdin/stdout/stderr reach the console),
// `serial-port` (may claim the console UART: the UART driver, kernel/process/ConsoleStream.h).
// `handle` lines are granted when the module is spawned (kernel/process/ProcessIpc.h).
// init is modules/init.{wasm,manifest}; it is started by the kernel, the others by init.
#include <kernel/initrd/TarArchive.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>
#include <kernel/object/Manifest.h>

namespace ath::process {

using object::RestartPolicy;

struct ModuleManifest {
    static constexpr usize max_name = 40;
    char name[max_name] {};
    usize name_length { 0 };
    ReadonlyBytes module_bytes;
    StringView arguments { };       // the `args` line (a view into the initrd); empty: the name
    RestartPolicy restart { RestartPolicy::Never };
    u32 max_restarts { 10 };
    u64 cpu_limit_ns { 0 };
    u8 priority { 4 };
    bool may_supervise { false };
    bool console { false };
    bool serial_port { false };
    // Handles granted at spawn (views into the initrd) and the endpoint it serves (empty: none).
    FixedVector<object::ManifestHandle, object::Manifest::max_handles> handles;
    StringView serves { };
    // Resource limits named by the manifest (object::Manifest::limits / limits_set).
    object::ResourceLimits limits;
    u32 limits_set { 0 };
    // The limits a process of this module runs with: the manifest's, the defaults for the rest.
    object::ResourceLimits effective_limits(const object::ResourceLimits& defaults) const
    {
        object::ResourceLimits result = defaults;
        for (usize i = 0; i < object::resource_kind_count; ++i) {
            if ((limits_set >> i) & 1)
                result.limits[i] = limits.limits[i];
        }
        return result;
    }

    StringView name_view() const { return StringView(name, name_length); }
    // argv as one line. Never stores a view of `name`: manifests are copied around.
    StringView argument_line() const { return arguments.is_empty() ? name_view() : arguments; }
};

class ModuleTable {
public:
    static constexpr usize max_modules = 32;

    // Every modules/*.manifest with its .wasm; a manifest with an error is reported on the
    // console and skipped (the others still load).
    static ModuleTable load(const initrd::TarArchive& initrd);
    static Result<ModuleManifest> parse(StringView name, StringView text, ReadonlyBytes module_bytes);

    usize size() const { return m_modules.size(); }
    const ModuleManifest& at(usize index) const { return m_modules[index]; }
    Optional<usize> find(StringView name) const;

private:
    FixedVector<ModuleManifest, max_modules> m_modules;
};

// The table the booted kernel loaded (empty before load_global_modules).
ModuleTable& global_modules();
void load_global_modules(const initrd::TarArchive& initrd);

} // namespace ath::process
