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

namespace {

// What send and receive share: `attempt()` (Result<Optional<T>>, none while the ring is full or
// empty) until it passes, then `done_bit` signalled for the other side; in between, waits on
// `wait_bit` until `timeout_ns` from the first attempt (`timed_out` after that).
template<typename T, typename Attempt>
Result<T> retry_until_timeout(WaitProvider& waiter, Event& event, u32 wait_bit, u32 done_bit, u64 timeout_ns,
                              WaitCondition condition, const char* timed_out, Attempt attempt)
{
    u64 start = waiter.now_ns();
    for (bool waited = false;; waited = true) {
        if (waited && condition.broken()) // revoked while waiting: nothing passes through it now
            return Error::from(ErrorCode::BadHandle, "the handle was revoked or closed while waiting");
        Optional<T> done = TRY(attempt());
        if (done.has_value()) {
            event.signal(done_bit);
            return *done;
        }
        u64 elapsed = waiter.now_ns() - start;
        if (timeout_ns != wait_forever && elapsed >= timeout_ns)
            return Error::from(ErrorCode::TimedOut, timed_out);
        auto woken = event.wait(wait_bit, timeout_ns == wait_forever ? wait_forever : timeout_ns - elapsed, condition);
        if (woken.is_error() && woken.error().code != ErrorCode::TimedOut)
            return woken.release_error();
    }
}

} // namespace

ErrorOr Channel::send(ReadonlyBytes message, u64 timeout_ns, WaitCondition condition)
{
    TRY(retry_until_timeout<bool>(m_waiter, *m_event, writable_bit, readable_bit, timeout_ns, condition, "channel stayed full",
                                  [&]() -> Result<Optional<bool>> {
                                      if (TRY(m_ring.try_send(message)))
                                          return Optional<bool>(true);
                                      return Optional<bool>();
                                  }));
    return {};
}

Result<u32> Channel::receive(Bytes destination, u64 timeout_ns, WaitCondition condition)
{
    return retry_until_timeout<u32>(m_waiter, *m_event, readable_bit, writable_bit, timeout_ns, condition,
                                    "no message arrived in time", [&] { return m_ring.try_receive(destination); });
}

} // namespace ath::ipc
