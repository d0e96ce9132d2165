#include "Timer.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

TimerQueue::~TimerQueue()
{
    // Timers outlive their queue only by a kernel bug: they would point at freed memory.
    VERIFY(m_armed.is_empty());
}

void TimerQueue::insert_locked(Timer& timer)
{
    m_armed.insert(timer.m_node, &timer, timer.m_deadline);
    timer.m_armed = true;
}

bool TimerQueue::remove_locked(Timer& timer)
{
    if (!timer.m_armed)
        return false;
    m_armed.remove(timer.m_node);
    timer.m_armed = false;
    return true;
}

bool TimerQueue::tick()
{
    if (!m_lock.try_lock())
        return false;
    u64 now = m_clock.now_ns();
    while (!m_armed.is_empty() && m_armed.first_deadline() <= now) {
        Timer& timer = *static_cast<Timer*>(m_armed.take_first());
        timer.m_armed = false;
        __atomic_add_fetch(&timer.m_fires, 1, __ATOMIC_RELAXED);
        if (timer.m_event)
            timer.m_event->signal(timer.m_bits);
        if (timer.m_period == 0)
            continue;
        // Next deadline strictly after now; periods the tick missed are counted, not replayed.
        u64 missed = (now - timer.m_deadline) / timer.m_period;
        auto step = checked_mul<u64>(missed + 1, timer.m_period);
        auto next = step.has_value() ? checked_add<u64>(timer.m_deadline, *step) : Optional<u64> {};
        if (!next.has_value())
            continue; // past the end of the clock: the timer stops
        __atomic_add_fetch(&timer.m_overruns, missed, __ATOMIC_RELAXED);
        timer.m_deadline = *next;
        insert_locked(timer);
    }
    m_lock.unlock();
    return true;
}

u64 TimerQueue::next_deadline()
{
    ScopedLock guard(m_lock);
    return m_armed.is_empty() ? wait_forever : m_armed.first_deadline();
}

usize TimerQueue::armed_count()
{
    ScopedLock guard(m_lock);
    return m_armed.size();
}

u64 TimerQueue::comparisons()
{
    ScopedLock guard(m_lock);
    return m_armed.comparisons();
}

Result<RefPtr<Timer>> Timer::create(ObjectAllocator& allocator, TimerQueue& queue, ResourceAccount* account)
{
    auto charge = TRY(ResourceCharge::take(account, Resource::Timers, 1));
    auto timer = TRY(make_object<Timer>(allocator, queue));
    timer->m_charge = move(charge);
    return timer;
}

Timer::~Timer()
{
    ScopedLock guard(m_queue.m_lock);
    m_queue.remove_locked(*this);
}

ErrorOr Timer::bind(RefPtr<Event> event, u32 bits)
{
    if (!event || bits == 0)
        return Error::from(ErrorCode::InvalidArgument, "a timer binds to an event and at least one bit");
    RefPtr<Event> previous;
    {
        ScopedLock guard(m_queue.m_lock);
        previous = move(m_event);
        m_event = move(event);
        m_bits = bits;
    }
    return {}; // `previous` is released outside the lock
}

ErrorOr Timer::set(u64 delay_ns, u64 period_ns)
{
    if (period_ns != 0 && period_ns < min_period_ns)
        return Error::from(ErrorCode::InvalidArgument, "timer period is shorter than the minimum");
    auto deadline = checked_add<u64>(m_queue.clock().now_ns(), delay_ns);
    if (!deadline.has_value() || *deadline == wait_forever)
        return Error::from(ErrorCode::InvalidArgument, "timer deadline is past the end of the clock");
    ScopedLock guard(m_queue.m_lock);
    if (!m_event)
        return Error::from(ErrorCode::Invalid, "timer has no event bound");
    m_queue.remove_locked(*this);
    m_deadline = *deadline;
    m_period = period_ns;
    m_queue.insert_locked(*this);
    return {};
}

bool Timer::cancel()
{
    ScopedLock guard(m_queue.m_lock);
    return m_queue.remove_locked(*this);
}

bool Timer::is_armed()
{
    ScopedLock guard(m_queue.m_lock);
    return m_armed;
}

} // namespace ath::object
