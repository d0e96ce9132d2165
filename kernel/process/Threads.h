#pragma once

// Kernel threads on one CPU: each has its own stack; kernel/sched/Scheduler decides who runs and
// the arch's switch_stack switches. The boot thread runs the scheduling loop (run_threads): a
// thread that yields, blocks, sleeps or exits switches back to that loop, which picks the next
// one. Two switches per hand-over keep the logic in one place; bench/sched measures the cost.
//
// Preemption: the timer tick calls Scheduler::tick, which raises preempt_flag(); the Wasm engine
// polls that word at safepoints (loop back-edges, calls) and calls safepoint() through its hook,
// which yields. Kernel code between safepoints is never preempted, so no kernel lock is ever held
// across a switch.
//
// Every function here expects to be called with interrupts enabled and restores that.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>
#include <kernel/sched/Scheduler.h>

namespace ath::process {

inline constexpr u64 time_slice_ns = 10'000'000;
// Each thread stack has an unmapped guard page below it (Threads.cpp): an overflow faults, and the
// fatal report names the thread ("kernel stack overflow: thread 'NAME' ran into its guard page").
inline constexpr usize thread_stack_size = 128 * 1024;

struct KernelThread {
    sched::Thread scheduling;
    u8* stack { nullptr };
    uptr saved_stack_pointer { 0 };
    void (*entry)(void*) { nullptr };
    void* argument { nullptr };
    bool finished { false };
    // Set by kill requests; wakes the thread and makes the next safepoint abort.
    bool kill_requested { false };
    // Watchdog: CPU time after which the thread is stopped at its next safepoint (0 = no limit).
    u64 cpu_limit_ns { 0 };
    // CPU time of the running thread = time of earlier slices + the current one.
    bool over_cpu_limit(u64 now_ns) const
    {
        u64 current_slice = now_ns - min(now_ns, scheduling.slice_started_ns);
        return cpu_limit_ns != 0 && scheduling.cpu_time_ns + current_slice > cpu_limit_ns;
    }
};

ErrorOr init_threads();

// A runnable thread that will call entry(argument); the thread ends when entry returns.
Result<KernelThread*> spawn_thread(StringView name, u8 priority, void (*entry)(void*), void* argument);

// On the boot thread: schedules threads until none is left (idling with interrupts on while all
// are asleep or blocked). Returns immediately when there are none.
void run_threads();
usize live_thread_count();

// On a spawned thread.
KernelThread* current_thread();
void yield();
void sleep_for(u64 duration_ns);
// Blocks on `queue` until woken, the deadline passes or (when interruptible) a kill request
// arrives. Returns false when this thread is being killed.
bool block_on(sched::WaitQueue& queue, Optional<u64> deadline_ns = {}, bool interruptible = true);
void wake_all(sched::WaitQueue& queue);
// Marks `thread` killed and wakes it if it waits; it dies at its next safepoint.
void request_kill(KernelThread& thread);

// The engine's interrupt word for every Store, and the safepoint hook behind it.
volatile u32* preempt_flag();
// Yields when the flag is up; returns false when the current thread should stop (killed).
bool safepoint();

// The `thread-stack-overflow-test` command word: a kernel thread recurses into its guard page; the
// kernel reports the overflow and powers off with the panic status (never returns normally).
void run_thread_stack_overflow_test();

// Statistics for benchmarks and tests.
u64 context_switch_count();

} // namespace ath::process
