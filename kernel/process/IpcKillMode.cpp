// `ipc-kill-test` (tests/ipc/ipc-boot-test.py kill, on esp-ipc.img): a server killed while a call
// runs in its Store. ipc-spinner calls ipc-echo's OP_SPIN, a handler that never returns and runs
// on ipc-spinner's thread; a kernel thread waits until the call has been running for a while and
// kills ipc-echo. The call must stop at its next safepoint (the Store's safepoint hook checks the
// owner's kill request) and ipc-spinner must get E_SERVER_TRAPPED and exit 0 (it keeps running);
// ipc-echo's own thread takes its Store back and ends as killed; every frame comes back.
#include <kernel/arch/Arch.h>
#include <kernel/lib/Format.h>
#include <kernel/process/Manifest.h>
#include <kernel/process/Modes.h>
#include <kernel/process/Process.h>
#include <kernel/sys/KernelLinearMemory.h>

namespace ath::process {

namespace {

template<typename Spec>
void allow_console(Spec& spec, bool allowed)
{
    if constexpr (requires { spec.may_use_console = allowed; })
        spec.may_use_console = allowed;
}

struct Killer {
    Process* server { nullptr };
    Process* caller { nullptr };
    bool killed { false };
};

// Kills the server once the caller has been inside a call (call depth 2) for 20 consecutive
// polls 1 ms apart: the short pings of its start-up are over by then and it is in OP_SPIN.
void kill_during_call(void* raw)
{
    auto& killer = *static_cast<Killer*>(raw);
    u32 inside = 0;
    for (u32 poll = 0; poll < 20'000 && !killer.caller->has_exited(); ++poll) {
        inside = killer.caller->ipc().calls().depth() >= 2 ? inside + 1 : 0;
        if (inside == 20) {
            println("ipc-kill: ipc-spinner is inside a call into ipc-echo; killing ipc-echo");
            killer.server->kill();
            killer.killed = true;
            return;
        }
        sleep_for(1'000'000);
    }
}

Result<Process*> spawn_module(StringView name, Span<const StringView> arguments)
{
    auto index = global_modules().find(name);
    if (!index.has_value())
        return Error::from(ErrorCode::NotFound, "the initrd lacks a module this test needs");
    const ModuleManifest& manifest = global_modules().at(*index);
    ProcessSpec spec;
    spec.name = manifest.name_view();
    spec.module_bytes = manifest.module_bytes;
    spec.arguments = arguments;
    spec.module_index = static_cast<u32>(*index);
    // No CPU limit (the manifest's cpu-limit-ms is not applied): the caller's watchdog would end
    // the call before the server's kill does.
    allow_console(spec, manifest.console);
    return Process::spawn(spec);
}

// One round: ipc-spinner's call spins (or blocks, `block`) in ipc-echo's Store and ipc-echo is
// killed meanwhile.
bool kill_round(bool block)
{
    println("ipc-kill: round: the handler {}", block ? "blocks in event_wait" : "spins");
    u64 linear_before = sys::KernelLinearMemory::committed_frames();
    StringView server_argv[] = { "ipc-echo" };
    StringView caller_argv[] = { "ipc-spinner", "--expect-server-killed", block ? StringView("--block") : StringView("--spin") };
    auto server = spawn_module("ipc-echo", server_argv);
    if (server.is_error()) {
        println("ipc-kill: FAIL cannot start ipc-echo: {}", server.error().reason);
        return false;
    }
    auto caller = spawn_module("ipc-spinner", caller_argv);
    if (caller.is_error()) {
        println("ipc-kill: FAIL cannot start ipc-spinner: {}", caller.error().reason);
        server.value()->kill();
        run_threads();
        server.value()->destroy();
        return false;
    }
    Killer killer { server.value(), caller.value() };
    bool ok = !spawn_thread("ipc-killer", 2, kill_during_call, &killer).is_error();
    run_threads();
    const ExitStatus& server_status = killer.server->status();
    const ExitStatus& caller_status = killer.caller->status();
    println("ipc-kill: ipc-echo {} (code {}), ipc-spinner {} (code {})", exit_kind_name(server_status.kind), server_status.code,
        exit_kind_name(caller_status.kind), caller_status.code);
    ok = ok && killer.killed && server_status.kind == ExitKind::Killed && caller_status.kind == ExitKind::Exited
        && caller_status.code == 0;
    killer.server->destroy();
    killer.caller->destroy();
    u64 linear_after = sys::KernelLinearMemory::committed_frames();
    println("ipc-kill: linear-memory frames before {}, after {}", linear_before, linear_after);
    return ok && linear_after == linear_before;
}

} // namespace

u8 run_ipc_kill_test_mode(const initrd::TarArchive& initrd)
{
    load_global_modules(initrd);
    bool spin = kill_round(false);
    bool block = kill_round(true);
    println("ipc-kill: spin round {}, block round {}", spin ? "ok" : "FAILED", block ? "ok" : "FAILED");
    println("ipc-kill: {}", spin && block ? "PASS" : "FAIL");
    return spin && block ? 0 : 1;
}

} // namespace ath::process
