// `ipc-kill-test` (tests/ipc/ipc-boot-test.py kill, on esp-ipc.img): a server killed while a call
// runs in its Store. ipc-spinner calls ipc-echo's OP_SPIN, a handler that never returns and runs
// on ipc-spinner's thread; a kernel thread waits until the call has been running for a while and
// kills ipc-echo. The call must stop at its next safepoint (the Store's safepoint hook checks the
// owner's kill request) and ipc-spinner must get E_SERVER_TRAPPED and exit 0 (it keeps running);
// ipc-echo's own thread takes its Store back and ends as killed; every frame comes back. Third
// round: a second caller waits in ipc-echo's queue when it is killed and gets E_NOT_FOUND. Fourth
// round: the waiting caller itself is killed and ends at once (then ipc-echo is killed).
#include <kernel/arch/Arch.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootMode.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/process/Process.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath::process {

namespace {

template<typename Spec>
void allow_console(Spec& spec, bool allowed)
{
    if constexpr (requires { spec.may_use_console = allowed; })
        spec.may_use_console = allowed;
}

// Rounds 3 and 4: a second caller waits in the server's queue, and the server (3) or that waiting
// caller (4, before the server) is killed.
enum class Queued { None, ServerKilled, WaiterKilled };

struct Killer {
    Process* server { nullptr };
    Process* caller { nullptr };
    Process* queued { nullptr }; // the second caller of rounds 3 and 4
    Queued mode { Queued::None };
    bool killed { false };
    bool waiter_ended { false };  // round 4: the killed waiter ended within 1 s
};

// Kills the server once the caller has been inside a call (call depth 2) for 20 consecutive
// polls 1 ms apart: the short pings of its start-up are over by then and it is in OP_SPIN.
void kill_during_call(void* raw)
{
    auto& killer = *static_cast<Killer*>(raw);
    u32 inside = 0;
    for (u32 poll = 0; poll < 20'000 && !killer.caller->has_exited(); ++poll) {
        bool queued = !killer.queued || killer.queued->ipc().waiting_for() == killer.server->ipc().object();
        inside = killer.caller->ipc().calls().depth() >= 2 && queued ? inside + 1 : 0;
        if (inside == 20) {
            if (killer.mode == Queued::WaiterKilled) {
                println("ipc-kill: a second ipc-spinner waits in ipc-echo's queue; killing that waiter");
                u64 start = Arch::clock_nanoseconds();
                killer.queued->kill();
                for (u32 wait = 0; wait < 1'000 && !killer.queued->has_exited(); ++wait)
                    sleep_for(1'000'000);
                killer.waiter_ended = killer.queued->has_exited();
                println("ipc-kill: the waiter {} after {} us; killing ipc-echo", killer.waiter_ended ? "ended" : "is still waiting",
                    (Arch::clock_nanoseconds() - start) / 1'000);
            } else if (killer.queued) {
                println("ipc-kill: a second ipc-spinner waits in ipc-echo's queue; killing ipc-echo");
            } else {
                println("ipc-kill: ipc-spinner is inside a call into ipc-echo; killing ipc-echo");
            }
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
    const ModuleEntry& entry = global_modules().at(*index);
    ProcessSpec spec = ProcessSpec::from(entry, static_cast<u32>(*index));
    spec.arguments = arguments;
    // No CPU limit (the manifest's cpu-limit-ms is not applied): the caller's watchdog would end
    // the call before the server's kill does.
    spec.cpu_limit_ns = 0;
    allow_console(spec, entry.manifest.console);
    return Process::spawn(spec);
}

// One round: ipc-spinner's call spins (or blocks, `block`) in ipc-echo's Store and ipc-echo is
// killed meanwhile. With `queued`, a second ipc-spinner waits in ipc-echo's queue meanwhile: its
// wait must end with E_NOT_FOUND when ipc-echo is killed (ServerKilled), or end at once when it
// is killed itself (WaiterKilled, before ipc-echo is).
bool kill_round(bool block, Queued queued = Queued::None)
{
    println("ipc-kill: round: the handler {}{}", block ? "blocks in event_wait" : "spins",
        queued == Queued::ServerKilled   ? ", a second caller waits in the queue"
            : queued == Queued::WaiterKilled ? ", a second caller waits in the queue and is killed"
                                             : "");
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
    Process* second = nullptr;
    if (queued != Queued::None) {
        StringView second_argv[] = { "ipc-spinner", "--queued" };
        auto spawned = spawn_module("ipc-spinner", second_argv);
        if (spawned.is_error()) {
            println("ipc-kill: FAIL cannot start the second ipc-spinner: {}", spawned.error().reason);
            server.value()->kill();
            caller.value()->kill();
            run_threads();
            server.value()->destroy();
            caller.value()->destroy();
            return false;
        }
        second = spawned.value();
    }
    Killer killer { server.value(), caller.value(), second, queued };
    bool ok = !spawn_thread("ipc-killer", 2, kill_during_call, &killer).is_error();
    run_threads();
    if (second) {
        const ExitStatus& second_status = second->status();
        println("ipc-kill: the queued ipc-spinner {} (code {})", exit_kind_name(second_status.kind), second_status.code);
        if (queued == Queued::WaiterKilled)
            ok = ok && killer.waiter_ended && second_status.kind == ExitKind::Killed;
        else
            ok = ok && second_status.kind == ExitKind::Exited && second_status.code == 0;
        second->destroy();
    }
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

u8 run_ipc_kill_test_mode(const initrd::TarArchive* initrd_archive)
{
    const initrd::TarArchive& initrd = *initrd_archive;
    load_global_modules(initrd);
    bool spin = kill_round(false);
    bool block = kill_round(true);
    bool queued = kill_round(true, Queued::ServerKilled);
    bool waiter = kill_round(true, Queued::WaiterKilled);
    println("ipc-kill: spin round {}, block round {}, queued round {}, killed-waiter round {}", spin ? "ok" : "FAILED",
        block ? "ok" : "FAILED", queued ? "ok" : "FAILED", waiter ? "ok" : "FAILED");
    bool all = spin && block && queued && waiter;
    println("ipc-kill: {}", all ? "PASS" : "FAIL");
    return all ? 0 : 1;
}

} // namespace

ATH_BOOT_MODE(ipc_kill_test, "ipc-kill-test", BootStage::Initrd,
              "kill an IPC server while a call runs in its Store (tests/ipc/ipc-boot-test.py kill)", run_ipc_kill_test_mode);

} // namespace ath::process
