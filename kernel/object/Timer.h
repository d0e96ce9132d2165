#pragma once

// A Timer signals event bits at a deadline: once, or periodically until cancelled. Timers wait in
// a TimerQueue's deadline heap (kernel/sched/DeadlineHeap.h: O(1) to arm, O(log n) amortized to
// fire or cancel, so n periodic timers due in one tick cost O(n log n), not a list's O(n^2)); the
// kernel calls TimerQueue::tick from its timer interrupt (the
// scheduler tick), so a deadline is met at the first tick at or after it (1 ms granularity with a
// 1 kHz tick). Hosted tests drive tick themselves with a fake clock.
//
// Interrupt context: tick() only try-locks the queue. When a thread holds the lock (setting or
// cancelling a timer) the tick returns without firing and the next tick catches up, so the
// interrupt never spins on a lock the interrupted thread holds.
#include <kernel/lib/SpinLock.h>
#include <kernel/object/Event.h>
#include <kernel/sched/DeadlineHeap.h>
#include <kernel/object/ResourceAccount.h>

namespace ath::object {

class Clock {
public:
    virtual u64 now_ns() = 0; // monotonic

protected:
    ~Clock() = default;
};

class Timer;

class TimerQueue {
public:
    explicit TimerQueue(Clock& clock) : m_clock(clock) { }
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;
    ~TimerQueue();

    // Fires every timer whose deadline has passed. False when the queue was busy (nothing fired).
    bool tick();
    // The earliest armed deadline (wait_forever when none).
    u64 next_deadline();
    usize armed_count();
    Clock& clock() { return m_clock; }
    // Deadline comparisons made so far (tests check the cost stays O(n log n)).
    u64 comparisons();

private:
    friend class Timer;
    void insert_locked(Timer&);
    bool remove_locked(Timer&);

    Clock& m_clock;
    SpinLock m_lock;
    sched::DeadlineNodeHeap m_armed; // of Timers (declared below)
};

class Timer final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Timer;
    // Shortest period: a periodic timer cannot ask for more than 10 000 signals per second.
    static constexpr u64 min_period_ns = 100'000;

    // Charged to `account` (Resource::Timers) while it exists: Exhausted over the limit.
    static Result<RefPtr<Timer>> create(ObjectAllocator&, TimerQueue&, ResourceAccount* account = current_resource_account());

    // Signals `bits` of `event` from now on. InvalidArgument for no bits.
    ErrorOr bind(RefPtr<Event> event, u32 bits);
    // Arms the timer: first signal `delay_ns` from now, then every `period_ns` (0: once). Replaces
    // an armed deadline. Invalid when no event is bound; InvalidArgument for a period below
    // min_period_ns or a deadline past the end of the clock.
    ErrorOr set(u64 delay_ns, u64 period_ns);
    // Disarms it. Returns whether it was armed.
    bool cancel();

    bool is_armed();
    u64 fire_count() const { return __atomic_load_n(&m_fires, __ATOMIC_RELAXED); }
    // Periods a periodic timer skipped because ticks came late (one signal stands for them).
    u64 overrun_count() const { return __atomic_load_n(&m_overruns, __ATOMIC_RELAXED); }

    explicit Timer(TimerQueue& queue) : Object(ObjectType::Timer), m_queue(queue) { }
    ~Timer() override;

private:
    friend class TimerQueue;

    TimerQueue& m_queue;
    RefPtr<Event> m_event;
    u32 m_bits { 0 };
    bool m_armed { false };
    u64 m_deadline { 0 };
    u64 m_period { 0 };
    u64 m_fires { 0 };
    u64 m_overruns { 0 };
    sched::DeadlineNode m_node; // in the queue's heap while armed
    ResourceCharge m_charge;
};

} // namespace ath::object
