#pragma once

// Module manifests in the initrd: modules/NAME.manifest next to modules/NAME.wasm, one
// `key = value` per line ('#' starts a comment):
//   args = NAME --flag value      argv, split at spaces (default: NAME)
//   restart = never | on-failure | always   what a supervisor does when it ends (default never)
//   max-restarts = N              give up after N restarts (default 10)
//   cpu-limit-ms = N              watchdog: killed after N ms of CPU time (default: none)
//   priority = 0..7               scheduling priority (default 4)
//   capabilities = a b c          `supervisor` (may spawn and supervise the other modules),
//                                 `console` (informational for now: every module's WASI
//                                 stdout/stderr reaches the console), `serial-port` (may claim
//                                 the console UART: the UART driver, kernel/process/ConsoleStream.h)
// init is modules/init.{wasm,manifest}; it is started by the kernel, the others by init.
#include <kernel/initrd/TarArchive.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>

namespace ath::process {

enum class RestartPolicy : u8 { Never = 0, OnFailure = 1, Always = 2 };

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
