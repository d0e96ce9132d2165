// `bench-sched` (bench/sched/run): module start latency and context-switch cost, measured in the
// kernel with the HPET-backed clock. The initrd holds bench/nop.wasm (an empty _start) and
// bench/yield.wasm (WASI sched_yield in a loop, argv[1] times).
#include <kernel/arch/Arch.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootMode.h>
#include <kernel/process/Process.h>

namespace ath::process {

namespace {

constexpr usize start_runs = 21;
constexpr u64 thread_switch_rounds = 20000;

struct PingPong {
    u64 rounds;
};

void kernel_yielder(void* raw)
{
    auto* ping = static_cast<PingPong*>(raw);
    for (u64 i = 0; i < ping->rounds; ++i)
        yield();
}

u64 median(Span<u64> values)
{
    // Insertion sort: a handful of values.
    for (usize i = 1; i < values.size(); ++i) {
        for (usize j = i; j > 0 && values[j - 1] > values[j]; --j) {
            u64 swap = values[j];
            values[j] = values[j - 1];
            values[j - 1] = swap;
        }
    }
    return values.is_empty() ? 0 : values[values.size() / 2];
}

Optional<u64> run_to_end(ReadonlyBytes bytes, Span<const StringView> arguments, usize copies)
{
    FixedVector<Process*, 4> processes;
    for (usize i = 0; i < copies; ++i) {
        ProcessSpec spec;
        spec.name = arguments[0];
        spec.module_bytes = bytes;
        spec.arguments = arguments;
        spec.may_use_console = true;
        auto process = Process::spawn(spec);
        if (process.is_error()) {
            println("bench-sched: spawn failed: {}", process.error().reason);
            return none;
        }
        (void)processes.try_append(process.value());
    }
    run_threads();
    u64 latency = processes[0]->start_latency_ns();
    bool ok = true;
    for (auto* process : processes) {
        ok = ok && process->status().kind == ExitKind::Exited && process->status().code == 0;
        process->destroy();
    }
    if (!ok)
        return none;
    return latency;
}

u8 run_bench_sched_mode(const initrd::TarArchive* initrd_archive)
{
    const initrd::TarArchive& initrd = *initrd_archive;
    auto nop = initrd.find("bench/nop.wasm");
    auto yielder = initrd.find("bench/yield.wasm");
    if (!nop.has_value() || !yielder.has_value()) {
        println("bench-sched: the initrd lacks bench/nop.wasm or bench/yield.wasm");
        return 1;
    }
    println("bench-sched: clock resolution: HPET, {} Hz tick", Arch::timer_frequency_hz());

    // 1. Start latency: spawn (decode + validate + translate) -> instantiate -> _start entered.
    u64 latencies[start_runs];
    StringView nop_argv[] = { "nop" };
    for (usize i = 0; i < start_runs; ++i) {
        auto latency = run_to_end(nop->contents, nop_argv, 1);
        if (!latency.has_value())
            return 1;
        latencies[i] = *latency;
    }
    println("bench-sched: start latency median {} ns over {} runs ({} bytes module)", median(Span<u64>(latencies, start_runs)),
        start_runs, nop->contents.size());

    // 2. Kernel threads only: yield() between two threads (each hand-over = 2 stack switches
    //    through the scheduling loop + a pick_next).
    PingPong ping { thread_switch_rounds };
    u64 switches_before = context_switch_count();
    u64 started = Arch::clock_nanoseconds();
    for (int i = 0; i < 2; ++i) {
        if (spawn_thread("yielder", 4, kernel_yielder, &ping).is_error())
            return 1;
    }
    run_threads();
    u64 elapsed = Arch::clock_nanoseconds() - started;
    u64 switches = context_switch_count() - switches_before;
    println("bench-sched: kernel thread hand-over {} ns ({} hand-overs in {} us)", elapsed / switches, switches, elapsed / 1000);

    // 3. Two Wasm modules calling WASI sched_yield in a loop: the hand-over seen by modules.
    StringView yield_argv[] = { "yield", "20000" };
    switches_before = context_switch_count();
    started = Arch::clock_nanoseconds();
    if (!run_to_end(yielder->contents, yield_argv, 2).has_value())
        return 1;
    elapsed = Arch::clock_nanoseconds() - started;
    switches = context_switch_count() - switches_before;
    println("bench-sched: module sched_yield hand-over {} ns ({} hand-overs in {} us, includes start-up)", elapsed / switches,
        switches, elapsed / 1000);
    return 0;
}

} // namespace

ATH_BOOT_MODE(bench_sched, "bench-sched", BootStage::Initrd,
              "module start latency and context-switch cost (bench/sched/run)", run_bench_sched_mode);

} // namespace ath::process
