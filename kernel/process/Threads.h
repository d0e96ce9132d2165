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
inline constexpr usize thread_stack_size = usize(128) * 1024;

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

// ---- Waiting: the one primitive every blocking path of the kernel uses ----
//
// wait_until parks the current thread on `queue` (null: on nothing, a pure sleep) until someone
// wakes the queue, the monotonic deadline passes, or — when interruptible — the thread must stop
// (must_stop_waiting below). Sleeps, console reads, the Store queues of migrating calls (through
// KernelWaitProvider), event waits, child waits and calls all block here and nowhere else, so a
// kill reaches every one of them the same way (interrupt_wait / request_kill).
//
// Returns Stopped at once when the thread must stop already (nothing is waited for), TimedOut when
// the deadline has passed, else Woken (possibly spuriously: callers re-check their condition).
enum class WaitEnd : u8 { Woken, TimedOut, Stopped };
enum class Interruptible : bool { No, Yes };
WaitEnd wait_until(sched::WaitQueue* queue, Optional<u64> deadline_ns, Interruptible interruptible = Interruptible::Yes);
// The stop rule, checked by every interruptible wait before it blocks and after it wakes: this
// thread is being killed, or a Store on its call stack above its root belongs to a process that is
// being killed (a migrating call's handler must let go of the dying server; KernelWait.cpp).
bool must_stop_waiting();
// Sleeps until `duration_ns` has passed or the thread must stop (returns false then). On the boot
// thread (no scheduler loop): idles until the deadline.
bool sleep_for(u64 duration_ns);
void wake_all(sched::WaitQueue& queue);
// Wakes `thread` if it is in wait_until (as if its queue woke it): it re-checks its condition and
// the stop rule. Used when something the rule looks at changed (a server is being killed).
void interrupt_wait(KernelThread& thread);
// Marks `thread` killed and wakes it if it waits; it dies at its next safepoint.
void request_kill(KernelThread& thread);

// The safepoint of a long host call (sys::HostServices::checkpoint): yields when the scheduler
// raised the preempt word; false when the current thread must stop (killed, over its CPU limit, or
// the stop rule's dying Store).
bool checkpoint();

// The engine's interrupt word for every Store, and the safepoint hook behind it.
volatile u32* preempt_flag();
// Yields when the flag is up; returns false when the current thread should stop (killed).
bool safepoint();

// Statistics for benchmarks and tests.
u64 context_switch_count();

} // namespace ath::process
