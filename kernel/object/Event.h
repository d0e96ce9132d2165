#pragma once

// An Event is 32 signal bits. Signalling ORs bits in and wakes every waiter; a wait returns (and
// clears) the bits of its mask that are set, or times out. Interrupts and channel notifications
// arrive as events.
#include <kernel/lib/Optional.h>
#include <kernel/object/Object.h>
#include <kernel/object/Waiting.h>

namespace ath::object {

class Event final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Event;

    static Result<RefPtr<Event>> create(ObjectAllocator&, WaitProvider&);

    void signal(u32 bits);
    // Bits of `mask` that were set (now cleared). TimedOut after `timeout_ns` (wait_forever:
    // none; 0: poll). InvalidArgument for an empty mask.
    // BadHandle when `condition` breaks while waiting (the handle the wait came through went).
    Result<u32> wait(u32 mask, u64 timeout_ns, WaitCondition condition = {});
    // Wakes the waiters so they re-check their conditions (not a signal: no bits change).
    void wake_waiters();
    void handle_dropped() override { wake_waiters(); }
    u32 peek() const { return __atomic_load_n(&m_bits, __ATOMIC_ACQUIRE); }

    explicit Event(WaitProvider& waiter) : Object(ObjectType::Event), m_waiter(waiter) { }

private:
    WaitProvider& m_waiter;
    u32 m_bits { 0 };
    u32 m_waiters { 0 }; // threads inside wait(); signal() skips the wake when there are none
};

} // namespace ath::object
