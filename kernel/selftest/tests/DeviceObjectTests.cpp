// Device, Irq and Timer objects on the real machine: the console UART's transmit-empty interrupt
// travels device -> interrupt controller -> Irq object -> Event bits, the line stays masked until
// the ack, and the kernel timer queue fires on the real clock.
#include <kernel/object/ObjectDirectory.h>
#include <kernel/arch/Arch.h>
#include <kernel/selftest/SelfTest.h>
#include <kernel/object/ProcessObject.h>
#include <kernel/platform/kernel/KernelDevices.h>

namespace ath {

namespace {

// No thread parks in these tests (they poll with timeout 0), so waiting is never needed.
class PollingOnly final : public object::WaitProvider {
public:
    object::WaitOutcome wait(const u32*, u32, u64) override { return object::WaitOutcome::TimedOut; }
    void wake_all(const u32*) override { }
    u64 now_ns() override { return Arch::clock_nanoseconds(); }
};
constinit PollingOnly g_polling;

// The UART's "transmitter empty" interrupt, switched on and off through the Device object: the
// one interrupt every console UART can raise without outside input.
struct TransmitInterrupt {
    object::Device& device;
    u64 offset;  // interrupt enable (16550 IER) / interrupt mask (PL011 IMSC)
    u32 width;
    u64 bit;
    u64 saved;

    static Result<TransmitInterrupt> create(object::Device& device)
    {
        switch (Arch::console_uart_kind()) {
        case ConsoleUartKind::Ns16550: {
            u64 stride = device.window().length / 8;
            u64 saved = TRY(device.read(stride, 1));
            return TransmitInterrupt { device, stride, 1, 0x02, saved };
        }
        case ConsoleUartKind::Pl011: {
            u64 saved = TRY(device.read(0x38, 4));
            return TransmitInterrupt { device, 0x38, 4, 1u << 5, saved };
        }
        case ConsoleUartKind::None: break;
        }
        return Error::from(ErrorCode::NotFound, "no console UART model");
    }
    // Only the transmit interrupt on (receive interrupts off for the test's duration).
    ErrorOr enable() { return device.write(offset, width, bit); }
    ErrorOr disable() { return device.write(offset, width, 0); }
    ErrorOr restore() { return device.write(offset, width, saved); }
};

bool wait_for_fires(object::Irq& irq, u64 count, u64 timeout_ns)
{
    u64 deadline = Arch::clock_nanoseconds() + timeout_ns;
    while (irq.fire_count() < count && Arch::clock_nanoseconds() < deadline) { }
    return irq.fire_count() >= count;
}

void spin_ns(u64 duration)
{
    u64 start = Arch::clock_nanoseconds();
    while (Arch::clock_nanoseconds() - start < duration) { }
}

ErrorOr run_irq_object_test(object::Irq& irq, object::Event& event, TransmitInterrupt& source)
{
    constexpr u32 bit = 1u << 3;
    TRY(source.enable());
    if (!wait_for_fires(irq, 1, 500'000'000))
        return selftest::failure("no UART interrupt reached the Irq object within 500 ms");
    // Masked after the first delivery: the device still asserts, nothing more arrives.
    spin_ns(20'000'000);
    if (irq.fire_count() != 1)
        return selftest::failure("the line fired {} times while it should be masked", irq.fire_count());
    if (!irq.pending() || event.wait(bit, 0).value_or(0) != bit)
        return selftest::failure("the interrupt did not set the event bit");
    // Service the device, then ack: the line is live again and stays quiet.
    TRY(source.disable());
    TRY(irq.ack());
    if (!irq.ack().is_error())
        return selftest::failure("a second ack without an interrupt was accepted");
    spin_ns(20'000'000);
    if (irq.fire_count() != 1)
        return selftest::failure("the serviced line fired again ({} deliveries)", irq.fire_count());
    // The ack really unmasked the line: the next interrupt arrives.
    TRY(source.enable());
    if (!wait_for_fires(irq, 2, 500'000'000))
        return selftest::failure("no second interrupt after the ack (line still masked?)");
    TRY(source.disable());
    TRY(irq.ack());
    if (event.wait(bit, 0).value_or(0) != bit)
        return selftest::failure("the second interrupt did not set the event bit");
    return {};
}

} // namespace

ATH_SELFTEST(device_irq_object_delivers_uart_interrupt_as_event)
{
    if (!Arch::console_uart_device().has_value())
        return selftest::skip("this machine has no UART a driver may claim");
    auto& allocator = sys::kernel_object_allocator();
    auto device = TRY(sys::create_console_uart_device(allocator));
    EXPECT(device->irq().has_value());
    auto event = TRY(object::Event::create(allocator, g_polling));
    auto irq = TRY(object::Irq::create(allocator, sys::kernel_irq_controller(), *device->irq()));
    // A second claim of the same line is refused while the first holds it.
    EXPECT(object::Irq::create(allocator, sys::kernel_irq_controller(), *device->irq()).is_error());
    TRY(irq->bind(event, 1u << 3));
    auto source = TRY(TransmitInterrupt::create(*device));
    // Register accesses outside the window fail before touching the device.
    EXPECT(device->read(device->window().length, 1).is_error());

    bool were_enabled = Arch::interrupts_enabled();
    Arch::enable_interrupts();
    ErrorOr result = run_irq_object_test(*irq, *event, source);
    (void)source.disable();
    Arch::disable_interrupts();
    u64 fires = irq->fire_count();
    irq = nullptr; // the line goes back to whoever had it before (x86_64: the COM1 input buffer)
    (void)source.restore();
    if (were_enabled)
        Arch::enable_interrupts();
    TRY(result);
    println("  {} UART interrupts arrived as event bits on line {}", fires, *device->irq());
    return {};
}

// What a booted UART driver gets: the kernel publishes the UART, the driver's manifest names it,
// and the driver reaches the hardware only through the granted handles.
ATH_SELFTEST(device_objects_granted_by_manifest_drive_the_uart)
{
    if (!Arch::console_uart_device().has_value())
        return selftest::skip("this machine has no UART a driver may claim");
    auto& allocator = sys::kernel_object_allocator();
    object::CapabilitySpace space;
    auto kernel = TRY(object::ProcessObject::create(allocator, space, "kernel"));
    auto driver = TRY(object::ProcessObject::create(allocator, space, "uart-driver"));
    object::ObjectDirectory directory;
    TRY(sys::publish_console_uart(allocator, kernel->handles(), directory));
    auto manifest = TRY(object::Manifest::parse("name = uart-driver\nhandle = device:uart:read+write\nhandle = irq:uart-irq:write\n"));
    auto granted = TRY(directory.grant(manifest, *driver));
    EXPECT(granted.size() == 2);
    auto device = TRY(driver->handles().lookup<object::Device>(granted[0], object::Rights::Read | object::Rights::Write));
    auto irq = TRY(driver->handles().lookup<object::Irq>(granted[1], object::Rights::Write));
    // The driver cannot pass them on: the grant narrowed the rights to read+write / write.
    EXPECT(driver->handles().derive(granted[0], object::Rights::Read).is_error());
    auto event = TRY(object::Event::create(allocator, g_polling));
    TRY(irq.object->bind(event, 1u << 3));
    auto source = TRY(TransmitInterrupt::create(*device.object));

    bool were_enabled = Arch::interrupts_enabled();
    Arch::enable_interrupts();
    ErrorOr result = run_irq_object_test(*irq.object, *event, source);
    (void)source.disable();
    Arch::disable_interrupts();
    (void)source.restore();
    irq = {};
    device = {};
    driver->terminate();
    kernel->terminate(); // the last handles go: the Irq gives the line back
    if (were_enabled)
        Arch::enable_interrupts();
    return result;
}

ATH_SELFTEST(device_timer_objects_fire_on_the_real_clock)
{
    auto& allocator = sys::kernel_object_allocator();
    auto event = TRY(object::Event::create(allocator, g_polling));
    auto& queue = sys::kernel_timer_queue();
    auto periodic = TRY(object::Timer::create(allocator, queue));
    auto once = TRY(object::Timer::create(allocator, queue));
    TRY(periodic->bind(event, 1));
    TRY(once->bind(event, 2));
    u64 armed = Arch::clock_nanoseconds();
    TRY(periodic->set(2'000'000, 2'000'000)); // every 2 ms from armed + 2 ms
    TRY(once->set(5'000'000, 0));
    // Drive the queue as the timer tick does (1 kHz), for 41 ms.
    while (Arch::clock_nanoseconds() - armed < 41'000'000) {
        sys::kernel_devices_tick();
        spin_ns(1'000'000);
    }
    sys::kernel_devices_tick();
    u64 elapsed = Arch::clock_nanoseconds() - armed;
    u64 fires = periodic->fire_count();
    u64 overruns = periodic->overrun_count();
    EXPECT(periodic->cancel());
    EXPECT(!once->cancel());
    EXPECT(once->fire_count() == 1);
    // Every period that ended is either a signal or an overrun (a late tick, e.g. the emulator
    // held up by host load, folds the periods it missed into one signal).
    u64 periods = elapsed / 2'000'000;
    if (fires == 0 || fires + overruns + 1 < periods || fires + overruns > periods + 1)
        return selftest::failure("periodic timer: {} fires + {} overruns in {} ns, expected {} periods", fires, overruns,
                                 elapsed, periods);
    EXPECT(event->wait(3, 0).value_or(0) == 3);
    EXPECT(queue.armed_count() == 0);
    println("  periodic 2 ms timer: {} fires, {} overruns in {} us; one-shot fired once", fires, overruns, elapsed / 1000);
    return {};
}

} // namespace ath
