#pragma once

// An Irq is one interrupt line delivered to a driver as event bits. When the line fires, the
// kernel's handler masks it at the interrupt controller and signals the bound Event; the line
// stays masked until the driver has serviced the device and acknowledges (ack), so a
// level-triggered line cannot storm while the driver is not running. An interrupt that arrives
// before an event is bound stays pending and is signalled at bind time.
//
// Interrupt context: fire() takes no lock; it only masks the line (the controller), updates
// atomics and calls Event::signal, which wakes waiters through the WaitProvider — so the
// provider's wake_all must be callable from an interrupt handler.
//
// One CPU is assumed: bind/ack/destruction mask the line while they change what the handler
// reads, and a masked line's handler cannot be running elsewhere. SMP needs a handshake.
#include <kernel/object/Event.h>

namespace ath::object {

// The interrupt controller as the Irq object needs it (the kernel wraps the Arch; tests fake it).
class IrqController {
public:
    using Handler = void (*)(void* context);
    // Routes `line` to handler(context), masked. Busy when the line already has a handler;
    // InvalidArgument / Unsupported for a line the controller does not have.
    virtual ErrorOr install(u32 line, Handler, void* context) = 0;
    virtual void remove(u32 line) = 0;
    // Both are callable from the line's own handler.
    virtual void mask(u32 line) = 0;
    virtual void unmask(u32 line) = 0;

protected:
    ~IrqController() = default;
};

class Irq final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Irq;

    // Claims `line` (masked until an event is bound). Errors from the controller pass through.
    static Result<RefPtr<Irq>> create(ObjectAllocator&, IrqController&, u32 line);

    // Delivers the line as `bits` of `event` from now on (replacing an earlier binding) and
    // unmasks it unless an interrupt is pending. InvalidArgument for no bits.
    ErrorOr bind(RefPtr<Event> event, u32 bits);
    // The driver has serviced the device: unmask the line. Invalid when no interrupt is pending
    // (nothing changes), so a stray ack cannot unmask a line mid-service or before bind.
    ErrorOr ack();

    u32 line() const { return m_line; }
    bool pending() const { return __atomic_load_n(&m_pending, __ATOMIC_ACQUIRE); }
    u64 fire_count() const { return __atomic_load_n(&m_fires, __ATOMIC_RELAXED); }
    bool is_bound() const { return __atomic_load_n(&m_event_raw, __ATOMIC_ACQUIRE) != nullptr; }

    // Interrupt context: the controller's handler for the line.
    void fire();

    Irq(IrqController& controller, u32 line) : Object(ObjectType::Irq), m_controller(controller), m_line(line) { }
    ~Irq() override;

private:
    static void handler(void* context) { static_cast<Irq*>(context)->fire(); }

    IrqController& m_controller;
    u32 m_line;
    bool m_installed { false };
    bool m_pending { false };
    u64 m_fires { 0 };
    RefPtr<Event> m_event;         // owned reference
    Event* m_event_raw { nullptr }; // what the handler reads
    u32 m_bits { 0 };
};

} // namespace ath::object
