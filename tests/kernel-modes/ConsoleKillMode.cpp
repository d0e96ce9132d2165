// `console-kill-test` (tests/fault/process-boot-test.py console-kill, on esp-console.img): a
// process killed while it waits in WASI poll_oneoff must end promptly, whatever it waits for.
// Round `clock`: readline --wait clock sleeps 60 s in a clock-only poll_oneoff (the kill ends the
// sleep, poll_oneoff answers an errno, the next safepoint ends the process). Round `input`:
// readline --wait input waits 60 s for stdin in poll_oneoff (the kill ends the input wait; the
// call answers an errno instead of trapping). No driver runs: console output goes to the early
// console, so the log shows readline's "waiting" line before the kill.
#include <kernel/arch/Arch.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootMode.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/process/Process.h>
#include <kernel/process/Threads.h>

namespace ath::process {

namespace {

// A kill must end the wait within this (TCG on a loaded machine is slow; the bug it guards against
// waits out the module's 60 s).
constexpr u64 kill_bound_ns = 5'000'000'000ull;

struct Killer {
    Process* target { nullptr };
    bool killed { false };
    u64 latency_ns { 0 };
    bool ended_in_time { false };
};

// Lets the target reach its wait (it prints a line first), kills it and measures until it ended.
void kill_while_waiting(void* raw)
{
    auto& killer = *static_cast<Killer*>(raw);
    sleep_for(1'500'000'000ull);
    if (killer.target->has_exited()) {
        println("console-kill: FAIL readline ended before the kill");
        return;
    }
    println("console-kill: killing readline");
    u64 start = Arch::clock_nanoseconds();
    killer.target->kill();
    killer.killed = true;
    while (!killer.target->has_exited() && Arch::clock_nanoseconds() - start < kill_bound_ns)
        sleep_for(1'000'000);
    // Measured by the clock: a kernel thread spinning in the host call keeps this thread from
    // running at all, so "it has ended by now" alone would pass a late kill.
    killer.latency_ns = Arch::clock_nanoseconds() - start;
    killer.ended_in_time = killer.target->has_exited() && killer.latency_ns <= kill_bound_ns;
}

bool kill_round(StringView wait_kind)
{
    auto index = global_modules().find("readline");
    if (!index.has_value()) {
        println("console-kill: FAIL the initrd has no readline module");
        return false;
    }
    StringView arguments[] = { "readline", "--wait", wait_kind };
    ProcessSpec spec = ProcessSpec::from(global_modules().at(*index), static_cast<u32>(*index));
    spec.arguments = arguments;
    auto target = Process::spawn(spec);
    if (target.is_error()) {
        println("console-kill: FAIL cannot start readline: {}", target.error().reason);
        return false;
    }
    Killer killer { target.value() };
    bool ok = !spawn_thread("console-killer", 2, kill_while_waiting, &killer).is_error();
    run_threads();
    const ExitStatus& status = killer.target->status();
    println("console-kill: round {}: readline {} (code {}) {} us after the kill", wait_kind, exit_kind_name(status.kind), status.code,
        killer.latency_ns / 1000);
    ok = ok && killer.killed && killer.ended_in_time && status.kind == ExitKind::Killed;
    killer.target->destroy();
    return ok;
}

u8 run_console_kill_test_mode(const initrd::TarArchive* initrd_archive)
{
    const initrd::TarArchive& initrd = *initrd_archive;
    load_global_modules(initrd);
    bool clock = kill_round("clock");
    bool input = kill_round("input");
    println("console-kill: clock round {}, input round {}", clock ? "ok" : "FAILED", input ? "ok" : "FAILED");
    println("console-kill: {}", clock && input ? "PASS" : "FAIL");
    return clock && input ? 0 : 1;
}

} // namespace

ATH_BOOT_MODE(console_kill_test, "console-kill-test", BootStage::Initrd,
              "kill a process waiting in poll_oneoff (tests/fault process-boot-test.py console-kill)", run_console_kill_test_mode);

} // namespace ath::process
