#pragma once

// The initrd's modules: modules/NAME.wasm with modules/NAME.manifest, each manifest read by the one
// parser (object::Manifest, kernel/object/Manifest.h; every key in docs/processes.md "Manifest
// reference"). A process is started from an entry with ProcessSpec::from (kernel/process/Process.h);
// its `handle` lines are granted at spawn (kernel/process/ProcessIpc.h). init is
// modules/init.{wasm,manifest}; the kernel starts it, init starts the others.
#include <kernel/initrd/TarArchive.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>
#include <kernel/object/Manifest.h>

namespace ath::process {

using object::RestartPolicy;

// A module of the initrd: its name, its bytes and its parsed manifest (the one format,
// object::Manifest; its views point into the initrd, which lives as long as the kernel).
struct ModuleEntry {
    static constexpr usize max_name = 40;
    char name[max_name] {};
    usize name_length { 0 };
    ReadonlyBytes module_bytes;
    object::Manifest manifest;

    // The limits a process of this module runs with: the manifest's, the defaults for the rest.
    object::ResourceLimits effective_limits(const object::ResourceLimits& defaults) const
    {
        object::ResourceLimits result = defaults;
        for (usize i = 0; i < object::resource_kind_count; ++i) {
            if ((manifest.limits_set >> i) & 1)
                result.limits[i] = manifest.limits.limits[i];
        }
        return result;
    }

    StringView name_view() const { return StringView(name, name_length); }
    // argv as one line, argv[0] first (the `args` line, or the name). Never a view of `name`:
    // entries are copied around.
    StringView argument_line() const { return manifest.arguments.is_empty() ? name_view() : manifest.arguments; }
};

class ModuleTable {
public:
    static constexpr usize max_modules = 32;

    // Every modules/*.manifest with its .wasm; a manifest with an error is reported on the
    // console and skipped (the others still load).
    static ModuleTable load(const initrd::TarArchive& initrd);
    static Result<ModuleEntry> parse(StringView name, StringView text, ReadonlyBytes module_bytes);

    usize size() const { return m_modules.size(); }
    const ModuleEntry& at(usize index) const { return m_modules[index]; }
    Optional<usize> find(StringView name) const;

private:
    FixedVector<ModuleEntry, max_modules> m_modules;
};

// The table the booted kernel loaded (empty before load_global_modules).
ModuleTable& global_modules();
void load_global_modules(const initrd::TarArchive& initrd);

} // namespace ath::process
