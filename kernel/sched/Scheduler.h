#pragma once

// Scheduling decisions for one CPU: strict priorities, round-robin with a time slice within a
// priority, timed sleeps and wait queues. The class decides; it never switches stacks itself. The
// kernel's thread layer asks `pick_next` and performs the switch through the arch interface, so this
// logic is tested on the host.
//
// Preemption without a hardware privilege switch: `tick` (called from the timer interrupt) raises
// `preempt_flag()` when the running thread should give up the CPU; the Wasm engine polls that word
// at loop back-edges and calls and yields to the scheduler there.
#include <kernel/lib/IntrusiveList.h>
#include <kernel/sched/DeadlineHeap.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

namespace ath::sched {

enum class ThreadState : u8 { Created, Runnable, Running, Blocked, Sleeping, Exited };
StringView thread_state_name(ThreadState);

struct Thread {
    static constexpr u8 lowest_priority = 7;

    u32 id { 0 };
    u8 priority { 4 }; // 0 = most urgent
    ThreadState state { ThreadState::Created };
    StringView name;

    u64 wake_deadline_ns { 0 };
    u64 slice_started_ns { 0 };
    u64 cpu_time_ns { 0 };
    u64 times_scheduled { 0 };
    bool woken_by_timeout { false };

    void* arch_context { nullptr }; // saved stack pointer / register block, the arch's business
    void* owner { nullptr };        // the process this thread runs

    IntrusiveListNode queue_link; // in at most one of: a run queue, a wait queue
    DeadlineNode timer_link;      // in the deadline heap while sleeping or waiting with a timeout
    class WaitQueue* waiting_on { nullptr };
};

class Scheduler;

// Threads blocked until someone calls wake_one/wake_all, optionally with a deadline.
class WaitQueue {
public:
    bool is_empty() const { return m_waiters.is_empty(); }
    usize size() const { return m_waiters.size(); }

private:
    friend class Scheduler;
    IntrusiveList<Thread, &Thread::queue_link> m_waiters;
};

class Scheduler {
public:
    static constexpr u8 priority_levels = Thread::lowest_priority + 1;

    explicit Scheduler(u64 time_slice_ns) : m_time_slice_ns(time_slice_ns) { }
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // A new thread becomes runnable. Errors: already known, or an invalid priority.
    ErrorOr add(Thread& thread);

    Thread* current() const { return m_current; }
    usize runnable_count() const;

    // Chooses who runs next at time `now`: the running thread goes back to the tail of its queue
    // (if it is still runnable), then the head of the most urgent non-empty queue runs. Returns
    // nullptr when nothing is runnable (the CPU idles until the next interrupt).
    Thread* pick_next(u64 now_ns);

    // Timer interrupt: accounts CPU time, wakes sleepers whose deadline passed, and raises the
    // preempt flag when the current thread's slice is over or a more urgent thread is runnable.
    // Returns whether the flag is raised.
    bool tick(u64 now_ns);

    // The running thread gives up the CPU: to sleep until a deadline, or to wait on a queue
    // (until woken, or until `deadline_ns` when given). The caller then switches via pick_next.
    ErrorOr sleep_until(Thread& thread, u64 deadline_ns);
    ErrorOr block(Thread& thread, WaitQueue& queue, Optional<u64> deadline_ns = {});
    usize wake_one(WaitQueue& queue);
    usize wake_all(WaitQueue& queue);
    // Ends a sleep or wait early (e.g. the thread is being killed): it becomes runnable as if its
    // queue woke it. Returns false (and changes nothing) when it was neither sleeping nor waiting.
    bool cancel_wait(Thread& thread);

    // The thread will never run again; it leaves every queue.
    void exit(Thread& thread);

    // When the timer should fire next (earliest sleeper or timed waiter), if any.
    Optional<u64> next_deadline() const;
    // Sleepers and timed waiters, and the deadline heap's comparisons so far (tests).
    usize deadline_count() const { return m_deadlines.size(); }
    u64 deadline_comparisons() const { return m_deadlines.comparisons(); }

    volatile u32* preempt_flag() { return &m_preempt_flag; }
    void clear_preempt_flag() { m_preempt_flag = 0; }

private:
    void make_runnable(Thread& thread);
    void insert_deadline(Thread& thread);
    bool more_urgent_runnable_than(u8 priority) const;

    void wake(Thread& thread, bool timed_out);

    using ThreadList = IntrusiveList<Thread, &Thread::queue_link>;
    using Deadlines = DeadlineHeap<Thread, &Thread::timer_link>;
    ThreadList m_run_queues[priority_levels];
    Deadlines m_deadlines; // sleepers and timed waiters by wake_deadline_ns (O(log n) per wake-up)
    Thread* m_current { nullptr };
    u64 m_time_slice_ns;
    volatile u32 m_preempt_flag { 0 };
};

} // namespace ath::sched
