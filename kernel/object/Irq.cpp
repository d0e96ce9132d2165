#include "Irq.h"

namespace ath::object {

Result<RefPtr<Irq>> Irq::create(ObjectAllocator& allocator, IrqController& controller, u32 line)
{
    auto irq = TRY(make_object<Irq>(allocator, controller, line));
    TRY(controller.install(line, handler, irq.get()));
    controller.mask(line);
    irq->m_installed = true;
    return irq;
}

Irq::~Irq()
{
    if (m_installed) {
        m_controller.mask(m_line);
        m_controller.remove(m_line);
    }
}

void Irq::fire()
{
    // Mask first: the line stays quiet until the driver acks, whatever its trigger mode.
    m_controller.mask(m_line);
    __atomic_store_n(&m_pending, true, __ATOMIC_RELEASE);
    __atomic_add_fetch(&m_fires, 1, __ATOMIC_RELAXED);
    if (Event* event = __atomic_load_n(&m_event_raw, __ATOMIC_ACQUIRE))
        event->signal(__atomic_load_n(&m_bits, __ATOMIC_RELAXED));
}

ErrorOr Irq::bind(RefPtr<Event> event, u32 bits)
{
    if (!event || bits == 0)
        return Error::from(ErrorCode::InvalidArgument, "an irq binds to an event and at least one bit");
    m_controller.mask(m_line);
    Event* raw = event.get();
    __atomic_store_n(&m_bits, bits, __ATOMIC_RELAXED);
    __atomic_store_n(&m_event_raw, raw, __ATOMIC_RELEASE);
    RefPtr<Event> previous = move(m_event);
    m_event = move(event);
    if (pending())
        raw->signal(bits); // an interrupt arrived earlier: tell the new waiter; the line stays masked
    else
        m_controller.unmask(m_line);
    return {};
}

ErrorOr Irq::ack()
{
    if (!is_bound())
        return Error::from(ErrorCode::Invalid, "irq has no event bound");
    bool expected = true;
    if (!__atomic_compare_exchange_n(&m_pending, &expected, false, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return Error::from(ErrorCode::Invalid, "no interrupt is pending on this irq");
    m_controller.unmask(m_line);
    return {};
}

} // namespace ath::object
