// The normal boot: the kernel starts modules/init.wasm with its manifest and runs the threads;
// init starts and supervises the other modules. When init ends the system powers off with init's
// exit status (a trapped or killed init is status 3).
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Format.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/process/Modes.h>
#include <kernel/process/Process.h>

namespace ath::process {

namespace {
constexpr u8 status_init_failed = 3;
}

Optional<u8> run_init_mode(const initrd::TarArchive& initrd)
{
    load_global_modules(initrd);
    auto& modules = global_modules();
    println("athanor: {} modules in the initrd", modules.size());
    auto init_index = modules.find("init");
    if (!init_index.has_value()) {
        println("athanor: no modules/init.wasm + init.manifest in the initrd: nothing to start");
        return none;
    }
    auto init = Process::spawn(ProcessSpec::from(modules.at(*init_index), static_cast<u32>(*init_index)));
    if (init.is_error()) {
        println("athanor: init: {} ({})", init.error().reason, error_code_name(init.error().code));
        return status_init_failed;
    }
    run_threads();
    const ExitStatus& status = init.value()->status();
    println("athanor: init {}{}{} (code {}), {} context switches", exit_kind_name(status.kind),
        status.reason_view().is_empty() ? "" : ": ", status.reason_view(), status.code, context_switch_count());
    u8 result = status.kind == ExitKind::Exited ? static_cast<u8>(status.code & 0xF) : status_init_failed;
    init.value()->destroy();
    return result;
}

} // namespace ath::process
