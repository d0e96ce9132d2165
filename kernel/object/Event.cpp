#include "Event.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

Result<RefPtr<Event>> Event::create(ObjectAllocator& allocator, WaitProvider& waiter)
{
    return make_object<Event>(allocator, waiter);
}

void Event::signal(u32 bits)
{
    if (bits == 0)
        return;
    // Sequentially consistent on both sides (here: bits then waiters; in wait: waiters then bits),
    // so either the signaller sees the waiter or the waiter sees the bits: no lost wake-up.
    __atomic_fetch_or(&m_bits, bits, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&m_waiters, __ATOMIC_SEQ_CST) != 0)
        m_waiter.wake_all(&m_bits);
}

void Event::wake_waiters()
{
    if (__atomic_load_n(&m_waiters, __ATOMIC_SEQ_CST) != 0)
        m_waiter.wake_all(&m_bits);
}

Result<u32> Event::wait(u32 mask, u64 timeout_ns, WaitCondition condition)
{
    if (mask == 0)
        return Error::from(ErrorCode::InvalidArgument, "wait mask is empty");
    u64 deadline = wait_forever;
    if (timeout_ns != wait_forever) {
        auto sum = checked_add<u64>(m_waiter.now_ns(), timeout_ns);
        deadline = sum.has_value() ? *sum : wait_forever;
    }
    for (bool woken = false;; woken = true) {
        // After a wake-up the handle the wait came through is checked first: once it is revoked,
        // nothing more is delivered through it, not even bits that arrived meanwhile.
        if (woken && condition.broken())
            return Error::from(ErrorCode::BadHandle, "the handle was revoked or closed while waiting");
        u32 current = __atomic_load_n(&m_bits, __ATOMIC_ACQUIRE);
        if (u32 ready = current & mask) {
            // Claim exactly the bits we saw; a concurrent signal or waiter makes us retry.
            if (__atomic_compare_exchange_n(&m_bits, &current, current & ~ready, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                return ready;
            continue;
        }
        if (deadline != wait_forever && m_waiter.now_ns() >= deadline)
            return Error::from(ErrorCode::TimedOut, "event wait timed out");
        __atomic_fetch_add(&m_waiters, 1, __ATOMIC_SEQ_CST);
        // Re-read after announcing ourselves: a signal in between is either seen here or wakes us.
        WaitOutcome outcome = WaitOutcome::ValueChanged;
        if ((__atomic_load_n(&m_bits, __ATOMIC_SEQ_CST) & mask) == 0)
            outcome = m_waiter.wait(&m_bits, current, deadline);
        __atomic_fetch_sub(&m_waiters, 1, __ATOMIC_SEQ_CST);
        if (outcome == WaitOutcome::Interrupted)
            return Error::from(ErrorCode::Busy, "the waiting thread is being killed");
    }
}

} // namespace ath::object
