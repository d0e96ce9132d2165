#include "Scheduler.h"

namespace ath::sched {

StringView thread_state_name(ThreadState state)
{
    switch (state) {
    case ThreadState::Created: return "created";
    case ThreadState::Runnable: return "runnable";
    case ThreadState::Running: return "running";
    case ThreadState::Blocked: return "blocked";
    case ThreadState::Sleeping: return "sleeping";
    case ThreadState::Exited: return "exited";
    }
    return "?";
}

ErrorOr Scheduler::add(Thread& thread)
{
    if (thread.state != ThreadState::Created)
        return Error::from(ErrorCode::AlreadyExists, "thread already scheduled");
    if (thread.priority > Thread::lowest_priority)
        return Error::from(ErrorCode::InvalidArgument, "thread priority out of range");
    make_runnable(thread);
    return {};
}

void Scheduler::make_runnable(Thread& thread)
{
    thread.state = ThreadState::Runnable;
    m_run_queues[thread.priority].append(thread);
}

usize Scheduler::runnable_count() const
{
    usize count = 0;
    for (auto& queue : m_run_queues)
        count += queue.size();
    return count;
}

bool Scheduler::more_urgent_runnable_than(u8 priority) const
{
    for (u8 level = 0; level < priority; ++level) {
        if (!m_run_queues[level].is_empty())
            return true;
    }
    return false;
}

Thread* Scheduler::pick_next(u64 now_ns)
{
    if (m_current) {
        m_current->cpu_time_ns += now_ns - min(now_ns, m_current->slice_started_ns);
        if (m_current->state == ThreadState::Running)
            make_runnable(*m_current);
        m_current = nullptr;
    }
    m_preempt_flag = 0;
    for (auto& queue : m_run_queues) {
        if (Thread* next = queue.take_first()) {
            next->state = ThreadState::Running;
            next->slice_started_ns = now_ns;
            ++next->times_scheduled;
            m_current = next;
            return next;
        }
    }
    return nullptr;
}

bool Scheduler::tick(u64 now_ns)
{
    while (Thread* first = m_deadlines.first()) {
        if (m_deadlines.first_deadline() > now_ns)
            break;
        wake(*first, true);
    }
    if (m_current) {
        bool slice_over = now_ns - min(now_ns, m_current->slice_started_ns) >= m_time_slice_ns;
        bool contended = slice_over && !m_run_queues[m_current->priority].is_empty();
        if (contended || more_urgent_runnable_than(m_current->priority))
            m_preempt_flag = 1;
    } else if (runnable_count() > 0) {
        m_preempt_flag = 1; // idle CPU: go pick the thread that just woke
    }
    return m_preempt_flag != 0;
}

void Scheduler::insert_deadline(Thread& thread)
{
    // O(1); equal deadlines keep their arrival order (DeadlineHeap).
    m_deadlines.insert(thread, thread.wake_deadline_ns);
}

ErrorOr Scheduler::sleep_until(Thread& thread, u64 deadline_ns)
{
    if (&thread != m_current || thread.state != ThreadState::Running)
        return Error::from(ErrorCode::Invalid, "only the running thread can go to sleep");
    thread.state = ThreadState::Sleeping;
    thread.wake_deadline_ns = deadline_ns;
    thread.woken_by_timeout = false;
    insert_deadline(thread);
    return {};
}

ErrorOr Scheduler::block(Thread& thread, WaitQueue& queue, Optional<u64> deadline_ns)
{
    if (&thread != m_current || thread.state != ThreadState::Running)
        return Error::from(ErrorCode::Invalid, "only the running thread can block");
    thread.state = ThreadState::Blocked;
    thread.waiting_on = &queue;
    thread.woken_by_timeout = false;
    queue.m_waiters.append(thread);
    if (deadline_ns.has_value()) {
        thread.wake_deadline_ns = *deadline_ns;
        insert_deadline(thread);
    }
    return {};
}

void Scheduler::wake(Thread& thread, bool timed_out)
{
    if (thread.timer_link.is_linked())
        m_deadlines.remove(thread);
    if (thread.waiting_on) {
        thread.waiting_on->m_waiters.remove(thread);
        thread.waiting_on = nullptr;
    }
    thread.woken_by_timeout = timed_out;
    make_runnable(thread);
}

usize Scheduler::wake_one(WaitQueue& queue)
{
    Thread* thread = queue.m_waiters.first();
    if (!thread)
        return 0;
    wake(*thread, false);
    return 1;
}

usize Scheduler::wake_all(WaitQueue& queue)
{
    usize count = 0;
    while (wake_one(queue))
        ++count;
    return count;
}

bool Scheduler::cancel_wait(Thread& thread)
{
    if (thread.state != ThreadState::Sleeping && thread.state != ThreadState::Blocked)
        return false;
    wake(thread, false);
    return true;
}

void Scheduler::exit(Thread& thread)
{
    if (thread.timer_link.is_linked())
        m_deadlines.remove(thread);
    if (thread.waiting_on) {
        thread.waiting_on->m_waiters.remove(thread);
        thread.waiting_on = nullptr;
    } else if (thread.queue_link.is_linked()) {
        m_run_queues[thread.priority].remove(thread);
    }
    thread.state = ThreadState::Exited;
    // The loop frees an exited thread before it picks the next one: forget it now, so pick_next
    // does not write its CPU time into freed memory (which the kernel heap may have unmapped).
    if (m_current == &thread)
        m_current = nullptr;
}

Optional<u64> Scheduler::next_deadline() const
{
    if (!m_deadlines.is_empty())
        return m_deadlines.first_deadline();
    return none;
}

} // namespace ath::sched
