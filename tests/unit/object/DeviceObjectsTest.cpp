// Device, Irq and Timer objects (kernel/object/{Device,Irq,Timer}.h) against fake hardware: a
// register file, an interrupt controller that records masking, and a clock the test moves.
#include "FakeHardware.h"
#include "ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/object/Device.h>
#include <kernel/object/HandleTable.h>
#include <kernel/object/Irq.h>
#include <kernel/object/ObjectDirectory.h>
#include <kernel/object/ProcessObject.h>
#include <kernel/object/Timer.h>

#include <cstring>
#include <vector>

using namespace ath;
using namespace ath::object;
using namespace ath::object::test_support;

namespace {

using test_support::NoWaiting;

struct DeviceObjectsTest : ::testing::Test {
    test_support::CountingAllocator allocator;
    NoWaiting waiting;
    FakeRegisters registers;
    FakeController controller;
    FakeClock clock;

    RefPtr<Event> make_event() { return Event::create(allocator, waiting).release_value(); }
    DeviceDescription uart() { return DeviceDescription { DeviceWindow { DeviceSpace::Mmio, 0x1000'0000, 64, u8(AccessWidths::Byte) | u8(AccessWidths::Word) }, 4u }; }
};

// --- Device ---------------------------------------------------------------------------------

TEST_F(DeviceObjectsTest, DeviceReadsAndWritesInsideItsWindow)
{
    auto device = Device::create(allocator, registers, uart()).release_value();
    EXPECT_EQ(device->type(), ObjectType::Device);
    ASSERT_TRUE(device->irq().has_value());
    EXPECT_EQ(*device->irq(), 4u);
    ASSERT_FALSE(device->write(60, 4, 0xA1B2C3D4).is_error());
    EXPECT_EQ(device->read(60, 4).value(), 0xA1B2C3D4u);
    EXPECT_EQ(device->read(61, 1).value(), 0xC3u);
    EXPECT_EQ(registers.accesses, 3);
}

TEST_F(DeviceObjectsTest, DeviceRefusesHostileAccessesWithoutTouchingTheHardware)
{
    auto device = Device::create(allocator, registers, uart()).release_value();
    EXPECT_EQ(device->read(64, 1).error().code, ErrorCode::OutOfRange);                // one past the end
    EXPECT_EQ(device->read(~0ull, 1).error().code, ErrorCode::OutOfRange);             // wraps
    EXPECT_EQ(device->read(~0ull - 3, 4).error().code, ErrorCode::OutOfRange);         // wraps with width
    EXPECT_EQ(device->read(2, 4).error().code, ErrorCode::InvalidArgument);            // misaligned
    EXPECT_EQ(device->read(0, 2).error().code, ErrorCode::InvalidArgument);            // width not accepted
    EXPECT_EQ(device->read(0, 3).error().code, ErrorCode::InvalidArgument);            // not a width
    EXPECT_EQ(device->read(0, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(device->read(0, 16).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(device->write(0, 1, 0x100).error().code, ErrorCode::InvalidArgument);    // value too wide
    EXPECT_EQ(device->write(64, 4, 0).error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(registers.accesses, 0);
    for (u8 byte : registers.bytes)
        EXPECT_EQ(byte, 0);
}

TEST_F(DeviceObjectsTest, DeviceCreationRefusesBadWindows)
{
    auto bad = [&](DeviceWindow window) { return Device::create(allocator, registers, DeviceDescription { window, {} }).error().code; };
    EXPECT_EQ(bad({ DeviceSpace::Mmio, 0, 0, 1 }), ErrorCode::InvalidArgument);                  // empty
    EXPECT_EQ(bad({ DeviceSpace::Mmio, ~0ull - 4, 8, 1 }), ErrorCode::InvalidArgument);          // wraps
    EXPECT_EQ(bad({ DeviceSpace::Mmio, 0, (1ull << 32) + 1, 1 }), ErrorCode::InvalidArgument);   // too large
    EXPECT_EQ(bad({ DeviceSpace::Port, 0xFFFC, 8, 1 }), ErrorCode::InvalidArgument);             // past 64 Ki ports
    EXPECT_EQ(bad({ DeviceSpace::Mmio, 0, 8, 0 }), ErrorCode::InvalidArgument);                  // no widths
    EXPECT_EQ(bad({ DeviceSpace::Mmio, 0, 8, 16 }), ErrorCode::InvalidArgument);                 // unknown width bit
    EXPECT_EQ(bad({ DeviceSpace(7), 0, 8, 1 }), ErrorCode::InvalidArgument);                     // unknown space
    EXPECT_EQ(allocator.live, 0);
    auto com1 = Device::create(allocator, registers, DeviceDescription { { DeviceSpace::Port, 0x3F8, 8, 1 }, 4u });
    EXPECT_FALSE(com1.is_error());
}

TEST_F(DeviceObjectsTest, DeviceHandlesNeedTheirRights)
{
    CapabilitySpace space;
    HandleTable table(space);
    auto device = Device::create(allocator, registers, uart()).release_value();
    Handle reader = table.install(*device, Rights::Read).release_value();
    EXPECT_FALSE(table.lookup<Device>(reader, Rights::Read).is_error());
    EXPECT_EQ(table.lookup<Device>(reader, Rights::Write).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(table.lookup<Irq>(reader, Rights::None).error().code, ErrorCode::BadHandle); // wrong kind
}

// --- Irq ------------------------------------------------------------------------------------

TEST_F(DeviceObjectsTest, IrqSignalsItsEventMasksAndUnmasksOnAck)
{
    auto event = make_event();
    auto irq = Irq::create(allocator, controller, 4).release_value();
    EXPECT_TRUE(controller.lines[4].masked); // nothing bound yet
    ASSERT_FALSE(irq->bind(event, 0x10).is_error());
    EXPECT_FALSE(controller.lines[4].masked);

    controller.raise(4, false);
    EXPECT_EQ(irq->fire_count(), 1u);
    EXPECT_TRUE(irq->pending());
    EXPECT_TRUE(controller.lines[4].masked);
    EXPECT_EQ(event->wait(0x10, 0).value(), 0x10u);

    // While masked the device may raise again: nothing is delivered until ack.
    controller.raise(4, false);
    EXPECT_EQ(irq->fire_count(), 1u);
    ASSERT_FALSE(irq->ack().is_error());
    EXPECT_EQ(irq->fire_count(), 2u); // the latched edge arrives at unmask
    ASSERT_FALSE(irq->ack().is_error());
    EXPECT_FALSE(controller.lines[4].masked);
    EXPECT_EQ(event->wait(0x10, 0).value(), 0x10u);
}

TEST_F(DeviceObjectsTest, LevelTriggeredLineDoesNotStorm)
{
    auto event = make_event();
    auto irq = Irq::create(allocator, controller, 2).release_value();
    ASSERT_FALSE(irq->bind(event, 1).is_error());
    controller.raise(2, true); // asserted until the driver clears the device
    EXPECT_EQ(controller.deliveries, 1);
    EXPECT_EQ(irq->fire_count(), 1u);
    controller.lower(2); // the driver serviced the device
    ASSERT_FALSE(irq->ack().is_error());
    EXPECT_EQ(controller.deliveries, 1);
    // Acking without servicing: exactly one more delivery per ack, never a loop.
    controller.raise(2, true);
    ASSERT_FALSE(irq->ack().is_error());
    EXPECT_EQ(controller.deliveries, 3);
    EXPECT_TRUE(irq->pending());
}

TEST_F(DeviceObjectsTest, IrqRefusesStrayAcksAndBadBindings)
{
    auto event = make_event();
    auto irq = Irq::create(allocator, controller, 1).release_value();
    EXPECT_EQ(irq->ack().error().code, ErrorCode::Invalid); // not bound
    EXPECT_EQ(irq->bind(event, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(irq->bind(nullptr, 1).error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(controller.lines[1].masked);
    ASSERT_FALSE(irq->bind(event, 1).is_error());
    EXPECT_EQ(irq->ack().error().code, ErrorCode::Invalid); // nothing pending: stays as it is
    EXPECT_FALSE(controller.lines[1].masked);
}

TEST_F(DeviceObjectsTest, InterruptBeforeBindIsSignalledAtBind)
{
    auto irq = Irq::create(allocator, controller, 3).release_value();
    controller.lines[3].masked = false; // a controller that let one through anyway
    controller.raise(3, false);
    EXPECT_TRUE(irq->pending());
    auto event = make_event();
    ASSERT_FALSE(irq->bind(event, 4).is_error());
    EXPECT_TRUE(controller.lines[3].masked);
    EXPECT_EQ(event->peek(), 4u);
}

TEST_F(DeviceObjectsTest, IrqLineIsClaimedOnceAndReleasedWithTheObject)
{
    {
        auto first = Irq::create(allocator, controller, 5).release_value();
        EXPECT_EQ(Irq::create(allocator, controller, 5).error().code, ErrorCode::Busy);
        EXPECT_EQ(Irq::create(allocator, controller, 99).error().code, ErrorCode::InvalidArgument);
        EXPECT_EQ(allocator.live, 1);
    }
    EXPECT_EQ(controller.lines[5].handler, nullptr);
    EXPECT_EQ(allocator.live, 0);
    auto again = Irq::create(allocator, controller, 5);
    EXPECT_FALSE(again.is_error());
}

TEST_F(DeviceObjectsTest, RebindingMovesDeliveryToTheNewEvent)
{
    auto first = make_event();
    auto second = make_event();
    auto irq = Irq::create(allocator, controller, 6).release_value();
    ASSERT_FALSE(irq->bind(first, 1).is_error());
    ASSERT_FALSE(irq->bind(second, 2).is_error());
    EXPECT_EQ(first->reference_count(), 1u); // the irq let go of the first event
    controller.raise(6, false);
    EXPECT_EQ(first->peek(), 0u);
    EXPECT_EQ(second->peek(), 2u);
}

// --- Grants ---------------------------------------------------------------------------------

TEST_F(DeviceObjectsTest, ManifestsGrantDeviceAndIrqHandlesNarrowedAndRevocable)
{
    CapabilitySpace space;
    auto supervisor = ProcessObject::create(allocator, space, "init").release_value();
    auto driver = ProcessObject::create(allocator, space, "uart").release_value();
    auto device = Device::create(allocator, registers, uart()).release_value();
    auto irq = Irq::create(allocator, controller, 4).release_value();
    Rights publisher = Rights::Read | Rights::Write | Rights::Transfer | Rights::Derive | Rights::Revoke;
    Handle device_handle = supervisor->handles().install(*device, publisher).release_value();
    Handle irq_handle = supervisor->handles().install(*irq, Rights::Write | Rights::Transfer | Rights::Revoke).release_value();
    ObjectDirectory directory;
    ASSERT_FALSE(directory.publish("uart", supervisor->handles(), device_handle).is_error());
    ASSERT_FALSE(directory.publish("uart-irq", supervisor->handles(), irq_handle).is_error());

    auto greedy = Manifest::parse("name = uart\nhandle = irq:uart-irq:read+write\n");
    ASSERT_FALSE(greedy.is_error()) << greedy.error().reason;
    EXPECT_EQ(directory.grant(greedy.value(), *driver).error().code, ErrorCode::PermissionDenied); // above the published rights
    auto wrong_kind = Manifest::parse("name = uart\nhandle = irq:uart:write\n");
    ASSERT_FALSE(wrong_kind.is_error());
    // "uart" is a device: no irq has that name (names are per kind), nothing is granted.
    EXPECT_EQ(directory.grant(wrong_kind.value(), *driver).error().code, ErrorCode::NotFound);
    EXPECT_EQ(driver->handles().live_count(), 0u);

    auto manifest = Manifest::parse("name = uart\nhandle = device:uart:read+write\nhandle = irq:uart-irq:write\n");
    ASSERT_FALSE(manifest.is_error()) << manifest.error().reason;
    EXPECT_EQ(manifest.value().handles[0].kind, ObjectType::Device);
    EXPECT_EQ(manifest.value().handles[1].kind, ObjectType::Irq);
    auto granted = directory.grant(manifest.value(), *driver);
    ASSERT_FALSE(granted.is_error()) << granted.error().reason;
    Handle driver_device = granted.value()[0];
    EXPECT_EQ(driver->handles().rights_of(driver_device).value(), Rights::Read | Rights::Write);
    EXPECT_FALSE(driver->handles().lookup<Irq>(granted.value()[1], Rights::Write).is_error());
    // The lease ends with one revoke of the published handle.
    EXPECT_EQ(supervisor->handles().revoke(device_handle).value(), 2u);
    EXPECT_EQ(driver->handles().lookup<Device>(driver_device, Rights::Read).error().code, ErrorCode::BadHandle);
    driver->terminate();
    supervisor->terminate();
}

// --- Timer ----------------------------------------------------------------------------------

TEST_F(DeviceObjectsTest, OneShotTimerFiresOnceAtItsDeadline)
{
    TimerQueue queue(clock);
    auto event = make_event();
    auto timer = Timer::create(allocator, queue).release_value();
    ASSERT_FALSE(timer->bind(event, 8).is_error());
    ASSERT_FALSE(timer->set(5'000'000, 0).is_error());
    EXPECT_EQ(queue.next_deadline(), 6'000'000u);
    clock.now = 5'999'999;
    EXPECT_TRUE(queue.tick());
    EXPECT_EQ(event->peek(), 0u);
    clock.now = 6'000'000;
    EXPECT_TRUE(queue.tick());
    EXPECT_EQ(event->wait(8, 0).value(), 8u);
    EXPECT_FALSE(timer->is_armed());
    clock.now = 100'000'000;
    queue.tick();
    EXPECT_EQ(event->peek(), 0u);
    EXPECT_EQ(timer->fire_count(), 1u);
}

TEST_F(DeviceObjectsTest, PeriodicTimerKeepsItsPhaseAndCountsOverruns)
{
    TimerQueue queue(clock);
    auto event = make_event();
    auto timer = Timer::create(allocator, queue).release_value();
    ASSERT_FALSE(timer->bind(event, 1).is_error());
    ASSERT_FALSE(timer->set(1'000'000, 1'000'000).is_error()); // 2 ms, 3 ms, ...
    clock.now = 2'000'000;
    queue.tick();
    EXPECT_EQ(timer->fire_count(), 1u);
    EXPECT_EQ(queue.next_deadline(), 3'000'000u);
    clock.now = 6'500'000; // late tick: 3, 4, 5, 6 ms were due
    queue.tick();
    EXPECT_EQ(timer->fire_count(), 2u);
    EXPECT_EQ(timer->overrun_count(), 3u);
    EXPECT_EQ(queue.next_deadline(), 7'000'000u);
    EXPECT_TRUE(timer->cancel());
    EXPECT_FALSE(timer->cancel());
    clock.now = 50'000'000;
    queue.tick();
    EXPECT_EQ(timer->fire_count(), 2u);
    EXPECT_EQ(queue.armed_count(), 0u);
}

TEST_F(DeviceObjectsTest, TimersFireInDeadlineOrder)
{
    TimerQueue queue(clock);
    auto event = make_event();
    auto late = Timer::create(allocator, queue).release_value();
    auto early = Timer::create(allocator, queue).release_value();
    ASSERT_FALSE(late->bind(event, 2).is_error());
    ASSERT_FALSE(early->bind(event, 1).is_error());
    ASSERT_FALSE(late->set(3'000'000, 0).is_error());
    ASSERT_FALSE(early->set(1'000'000, 0).is_error());
    EXPECT_EQ(queue.armed_count(), 2u);
    clock.now = 2'000'000;
    queue.tick();
    EXPECT_EQ(event->wait(3, 0).value(), 1u);
    clock.now = 4'000'000;
    queue.tick();
    EXPECT_EQ(event->wait(3, 0).value(), 2u);
}

TEST_F(DeviceObjectsTest, TimerRefusesHostileSettings)
{
    TimerQueue queue(clock);
    auto event = make_event();
    auto timer = Timer::create(allocator, queue).release_value();
    EXPECT_EQ(timer->set(1000, 0).error().code, ErrorCode::Invalid); // unbound
    EXPECT_EQ(timer->bind(event, 0).error().code, ErrorCode::InvalidArgument);
    ASSERT_FALSE(timer->bind(event, 1).is_error());
    EXPECT_EQ(timer->set(1000, 1).error().code, ErrorCode::InvalidArgument);           // storm period
    EXPECT_EQ(timer->set(1000, Timer::min_period_ns - 1).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(timer->set(~0ull, 0).error().code, ErrorCode::InvalidArgument);          // past the clock's end
    EXPECT_EQ(timer->set(~0ull - clock.now, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_FALSE(timer->is_armed());
    // A periodic timer whose next deadline would pass the end of the clock stops instead of wrapping.
    ASSERT_FALSE(timer->set(~0ull - clock.now - 10, ~0ull / 2).is_error());
    clock.now = ~0ull - 5;
    queue.tick();
    EXPECT_EQ(timer->fire_count(), 1u);
    EXPECT_FALSE(timer->is_armed());
}

TEST_F(DeviceObjectsTest, DroppingTheLastReferenceDisarmsTheTimer)
{
    TimerQueue queue(clock);
    auto event = make_event();
    {
        auto timer = Timer::create(allocator, queue).release_value();
        ASSERT_FALSE(timer->bind(event, 1).is_error());
        ASSERT_FALSE(timer->set(0, 0).is_error());
        EXPECT_EQ(queue.armed_count(), 1u);
    }
    EXPECT_EQ(queue.armed_count(), 0u); // no dangling timer left in the queue
    EXPECT_EQ(event->reference_count(), 1u);
    EXPECT_EQ(allocator.live, 1);
    EXPECT_TRUE(queue.tick());
}

// An "interrupt" that arrives while the queue lock is held: the clock, read under the lock,
// ticks the queue again. The nested tick must give up instead of spinning on the lock.
class InterruptingClock final : public Clock {
public:
    u64 now_ns() override
    {
        if (queue && !nested) {
            nested = true;
            nested_result = queue->tick() ? 1 : 0;
            nested = false;
        }
        return now;
    }
    TimerQueue* queue { nullptr };
    bool nested { false };
    int nested_result { -1 };
    u64 now { 0 };
};

TEST_F(DeviceObjectsTest, TickInsideAHeldQueueLockSkipsInsteadOfDeadlocking)
{
    InterruptingClock interrupting;
    TimerQueue queue(interrupting);
    auto event = make_event();
    auto timer = Timer::create(allocator, queue).release_value();
    ASSERT_FALSE(timer->bind(event, 1).is_error());
    ASSERT_FALSE(timer->set(0, 0).is_error());
    interrupting.queue = &queue;
    EXPECT_TRUE(queue.tick());
    EXPECT_EQ(interrupting.nested_result, 0); // the nested tick saw the lock held and skipped
    EXPECT_EQ(timer->fire_count(), 1u);       // the outer tick fired it exactly once
    interrupting.queue = nullptr;
}

} // namespace
