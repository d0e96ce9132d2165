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
    __atomic_fetch_or(&m_bits, bits, __ATOMIC_RELEASE);
    m_waiter.wake_all(&m_bits);
}

Result<u32> Event::wait(u32 mask, u64 timeout_ns)
{
    if (mask == 0)
        return Error::from(ErrorCode::InvalidArgument, "wait mask is empty");
    u64 deadline = wait_forever;
    if (timeout_ns != wait_forever) {
        auto sum = checked_add<u64>(m_waiter.now_ns(), timeout_ns);
        deadline = sum.has_value() ? *sum : wait_forever;
    }
    while (true) {
        u32 current = __atomic_load_n(&m_bits, __ATOMIC_ACQUIRE);
        if (u32 ready = current & mask) {
            // Claim exactly the bits we saw; a concurrent signal or waiter makes us retry.
            if (__atomic_compare_exchange_n(&m_bits, &current, current & ~ready, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                return ready;
            continue;
        }
        if (deadline != wait_forever && m_waiter.now_ns() >= deadline)
            return Error::from(ErrorCode::TimedOut, "event wait timed out");
        m_waiter.wait(&m_bits, current, deadline);
    }
}

} // namespace ath::object
