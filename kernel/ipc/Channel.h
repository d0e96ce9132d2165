#pragma once

// A Channel is an asynchronous one-way message queue: a RingView in a Region plus an Event whose
// bit 0 says "a message arrived" and bit 1 "a slot was freed". Modules can map the region and
// use the ring directly (signalling the event through its handle); the kernel-side send/receive
// here do the same with timeouts, for kernel services and the azoth.channel_* calls.
#include <kernel/ipc/Ring.h>
#include <kernel/object/Event.h>
#include <kernel/object/Region.h>

namespace ath::ipc {

class Channel final : public object::Object {
public:
    static constexpr object::ObjectType type_tag = object::ObjectType::Channel;
    static constexpr u32 readable_bit = 1u << 0;
    static constexpr u32 writable_bit = 1u << 1;

    // A ring of `slot_size`-byte slots in a fresh region of `region_size` bytes. The channel is
    // charged to `account` (Resource::Channels; its region as a Region) while it exists.
    static Result<object::RefPtr<Channel>> create(object::ObjectAllocator&, object::PageMapper&, object::WaitProvider&,
        u64 region_size, u32 slot_size, object::ResourceAccount* account = object::current_resource_account());

    // Waits up to `timeout_ns` (object::wait_forever, or 0 to poll) for room; TimedOut if none.
    // A wait made through a handle ends (BadHandle) when `condition` breaks (object::WaitCondition).
    ErrorOr send(ReadonlyBytes message, u64 timeout_ns, object::WaitCondition condition = {});
    // Waits up to `timeout_ns` for a message; returns its length. TimedOut if none arrived.
    Result<u32> receive(Bytes destination, u64 timeout_ns, object::WaitCondition condition = {});
    // Senders and receivers waiting in the kernel re-check the handle they came through.
    void handle_dropped() override { m_event->wake_waiters(); }

    object::Region& region() const { return *m_region; }
    object::Event& event() const { return *m_event; }
    RingView& ring() { return m_ring; }

    Channel(object::RefPtr<object::Region> region, object::RefPtr<object::Event> event, RingView ring, object::WaitProvider& waiter)
        : Object(object::ObjectType::Channel)
        , m_region(move(region))
        , m_event(move(event))
        , m_ring(ring)
        , m_waiter(waiter)
    {
    }

private:
    object::RefPtr<object::Region> m_region;
    object::RefPtr<object::Event> m_event;
    RingView m_ring;
    object::WaitProvider& m_waiter;
    object::ResourceCharge m_charge;
};

} // namespace ath::ipc
