#include <kernel/object/ObjectDirectory.h>
#include <kernel/arch/Arch.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/sys/AzothDevice.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/platform/kernel/KernelDevices.h>

namespace ath::sys {

namespace {

class ArchIrqController final : public object::IrqController {
public:
    ErrorOr install(u32 line, Handler handler, void* context) override
    {
        TRY(Arch::install_irq_handler(line, handler, context));
        Arch::mask_irq(line); // masked until the Irq object is bound
        return {};
    }
    void remove(u32 line) override { Arch::remove_irq_handler(line); }
    void mask(u32 line) override { Arch::mask_irq(line); }
    void unmask(u32 line) override { Arch::unmask_irq(line); }
};

class ArchDeviceAccess final : public object::DeviceAccess {
public:
    u64 read(const object::DeviceWindow& window, u64 offset, u32 width) override
    {
        return Arch::device_read(registers(window), offset, width);
    }
    void write(const object::DeviceWindow& window, u64 offset, u32 width, u64 value) override
    {
        Arch::device_write(registers(window), offset, width, value);
    }

private:
    static DeviceRegisters registers(const object::DeviceWindow& window)
    {
        return DeviceRegisters { window.space == object::DeviceSpace::Port, window.base, window.length, window.widths, 0 };
    }
};

class ArchClock final : public object::Clock {
public:
    u64 now_ns() override { return Arch::clock_nanoseconds(); }
};

// Constant-initialised (no constructors run at boot): the classes only carry vtables, and the
// queue is built on first use.
constinit ArchIrqController g_irq_controller;
constinit ArchDeviceAccess g_device_access;
constinit ArchClock g_clock;
alignas(object::TimerQueue) u8 g_timer_queue_storage[sizeof(object::TimerQueue)];
object::TimerQueue* g_timer_queue = nullptr;

} // namespace

object::IrqController& kernel_irq_controller() { return g_irq_controller; }
object::DeviceAccess& kernel_device_access() { return g_device_access; }
object::Clock& kernel_clock() { return g_clock; }
object::ObjectAllocator& kernel_object_allocator() { return sys::KernelAllocator::instance(); }

object::TimerQueue& kernel_timer_queue()
{
    // Made with interrupts off so the tick never sees half a queue.
    if (!__atomic_load_n(&g_timer_queue, __ATOMIC_ACQUIRE)) {
        bool were_enabled = Arch::interrupts_enabled();
        Arch::disable_interrupts();
        if (!g_timer_queue)
            __atomic_store_n(&g_timer_queue, new (g_timer_queue_storage) object::TimerQueue(g_clock), __ATOMIC_RELEASE);
        if (were_enabled)
            Arch::enable_interrupts();
    }
    return *g_timer_queue;
}

void kernel_devices_tick()
{
    // The first tick (interrupts are off in the handler) makes the queue and offers it to the
    // azoth ABI's timer_create; every tick fires what is due.
    object::TimerQueue* queue = __atomic_load_n(&g_timer_queue, __ATOMIC_ACQUIRE);
    if (!queue) {
        queue = &kernel_timer_queue();
        set_azoth_timer_queue(queue);
    }
    queue->tick();
}

Result<object::RefPtr<object::Device>> create_console_uart_device(object::ObjectAllocator& allocator)
{
    auto registers = Arch::console_uart_device();
    if (!registers.has_value())
        return Error::from(ErrorCode::NotFound, "this platform has no UART a driver may claim");
    object::DeviceDescription description {
        object::DeviceWindow { registers->port_io ? object::DeviceSpace::Port : object::DeviceSpace::Mmio, registers->base,
                               registers->length, registers->widths },
        registers->irq,
    };
    return object::Device::create(allocator, g_device_access, description);
}

ErrorOr publish_console_uart(object::ObjectAllocator& allocator, object::HandleTable& publisher, object::ObjectDirectory& directory)
{
    using object::Rights;
    auto device = TRY(create_console_uart_device(allocator));
    if (!device->irq().has_value())
        return Error::from(ErrorCode::NotFound, "the console UART has no interrupt line");
    auto irq = TRY(object::Irq::create(allocator, g_irq_controller, *device->irq()));
    constexpr Rights granting = Rights::Transfer | Rights::Derive | Rights::Revoke;
    object::Handle device_handle = TRY(publisher.install(*device, Rights::Read | Rights::Write | granting));
    auto irq_handle = publisher.install(*irq, Rights::Write | granting);
    if (irq_handle.is_error()) {
        (void)publisher.close(device_handle);
        return irq_handle.release_error();
    }
    if (auto published = directory.publish("uart", publisher, device_handle); published.is_error()) {
        (void)publisher.close(device_handle);
        (void)publisher.close(irq_handle.value());
        return published;
    }
    if (auto published = directory.publish("uart-irq", publisher, irq_handle.value()); published.is_error()) {
        // "uart" stays listed but names a closed handle: granting it fails (BadHandle).
        (void)publisher.close(device_handle);
        (void)publisher.close(irq_handle.value());
        return published;
    }
    return {};
}

} // namespace ath::sys
