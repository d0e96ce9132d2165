#include "Channel.h"

namespace ath::ipc {

using namespace object;

Result<RefPtr<Channel>> Channel::create(ObjectAllocator& allocator, PageMapper& mapper, WaitProvider& waiter, u64 region_size,
    u32 slot_size, ResourceAccount* account)
{
    auto charge = TRY(ResourceCharge::take(account, Resource::Channels, 1));
    auto region = TRY(Region::create(allocator, mapper, region_size, account));
    auto event = TRY(Event::create(allocator, waiter));
    auto ring = TRY(RingView::format(region->kernel_bytes(), slot_size));
    auto channel = TRY(make_object<Channel>(allocator, move(region), move(event), ring, waiter));
    channel->m_charge = move(charge);
    return channel;
}

ErrorOr Channel::send(ReadonlyBytes message, u64 timeout_ns, WaitCondition condition)
{
    u64 start = m_waiter.now_ns();
    for (bool waited = false;; waited = true) {
        if (waited && condition.broken()) // revoked while waiting: nothing goes through it now
            return Error::from(ErrorCode::BadHandle, "the handle was revoked or closed while waiting");
        if (TRY(m_ring.try_send(message))) {
            m_event->signal(readable_bit);
            return {};
        }
        u64 elapsed = m_waiter.now_ns() - start;
        if (timeout_ns != wait_forever && elapsed >= timeout_ns)
            return Error::from(ErrorCode::TimedOut, "channel stayed full");
        auto woken = m_event->wait(writable_bit, timeout_ns == wait_forever ? wait_forever : timeout_ns - elapsed, condition);
        if (woken.is_error() && woken.error().code != ErrorCode::TimedOut)
            return woken.release_error();
    }
}

Result<u32> Channel::receive(Bytes destination, u64 timeout_ns, WaitCondition condition)
{
    u64 start = m_waiter.now_ns();
    for (bool waited = false;; waited = true) {
        if (waited && condition.broken()) // revoked while waiting: nothing comes through it now
            return Error::from(ErrorCode::BadHandle, "the handle was revoked or closed while waiting");
        auto received = TRY(m_ring.try_receive(destination));
        if (received.has_value()) {
            m_event->signal(writable_bit);
            return *received;
        }
        u64 elapsed = m_waiter.now_ns() - start;
        if (timeout_ns != wait_forever && elapsed >= timeout_ns)
            return Error::from(ErrorCode::TimedOut, "no message arrived in time");
        auto woken = m_event->wait(readable_bit, timeout_ns == wait_forever ? wait_forever : timeout_ns - elapsed, condition);
        if (woken.is_error() && woken.error().code != ErrorCode::TimedOut)
            return woken.release_error();
    }
}

} // namespace ath::ipc
