// The azoth imports for Device, Irq, Timer and PciDevice objects and call_with_handle, driven by a C module
// (modules/device-driver.c) on the hosted engine, against fake registers, a fake interrupt
// controller, a clock the test moves and a fake PCI configuration space (tests/unit/pci). Hostile arguments must fail cleanly and change nothing.
#include "../../ipc/ModuleHarness.h"
#include "FakeHardware.h"
#include "../pci/FakeConfigSpace.h"

#include <gtest/gtest.h>
#include <kernel/object/Device.h>
#include <kernel/object/Irq.h>
#include <kernel/object/PciDevice.h>
#include <kernel/object/Timer.h>
#include <kernel/sys/AzothDevice.h>
#include <kernel/sys/abi/AzothAbi.h>

#include <memory>

#include <cstring>

using namespace ath;
using namespace ath::object;
using namespace ath::object::test_support;
using ath::ipc_test::Loaded;
using ath::ipc_test::ModuleHarness;

namespace {

enum : i64 {
    ok = 0,
    bad_handle = -1,
    permission_denied = -2,
    invalid_argument = -3,
    fault = -4,
    exhausted = -6,
    busy = -7,
    server_trapped = -9,
    not_found = -10,
    unsupported = -12,
    invalid_state = -13,
};

struct DeviceAbiTest : ::testing::Test {
    // The fakes outlive the harness: its processes' handles keep devices, irqs and timers that
    // point at them until the harness is destroyed (members go in reverse order).
    FakeRegisters registers;
    pci::testing::FakeConfigSpace config;
    FakeController controller;
    FakeClock clock;
    TimerQueue queue { clock };
    ModuleHarness harness;
    Loaded driver;

    static constexpr u32 line = 7;

    void SetUp() override
    {
        clock.now = 5'000'000;
        driver = harness.load("device-driver", "driver").release_value();
        sys::set_azoth_timer_queue(&queue);
    }
    void TearDown() override { sys::set_azoth_timer_queue(nullptr); }

    i64 run(const char* name, std::initializer_list<u64> arguments)
    {
        auto result = harness.run(driver, name, arguments);
        EXPECT_FALSE(result.is_error()) << name << ": " << (result.is_error() ? result.error().reason : "");
        return result.is_error() ? 999 : static_cast<i64>(result.value());
    }
    Handle give_device(Rights rights)
    {
        auto device = Device::create(harness.objects, registers, DeviceDescription { { DeviceSpace::Mmio, 0x1000, 16, 1 | 4 }, line });
        return driver.process().handles().install(*device.value(), rights).release_value();
    }
    // A PciDevice for a modern virtio-rng at 00:01.0 (BAR4: 64-bit prefetchable, 16 KiB at
    // 0x800000000; MSI-X at 0x50), enumerated as on x86_64 (no windows).
    Handle give_pci(Rights rights)
    {
        pci::Address address { 0, 1, 0 };
        config.add(address, 0x1af4, 0x1044, 0x00, 0xff);
        config.set_bar(address, 4, pci::testing::FakeBar { pci::BarKind::Memory64, 0x4000, true, 0x800000000 });
        config.set_capabilities(address, { { 0x09, 0x10 }, { pci::config::capability_msix, 0x0c } });
        auto topology = std::make_unique<pci::Topology>();
        pci::HostBridge host;
        EXPECT_FALSE(pci::enumerate(config, host, *topology).is_error());
        auto device = PciDevice::create(harness.objects, config, registers, topology->functions[0], true).release_value();
        return driver.process().handles().install(*device, rights).release_value();
    }
    Handle give_irq(Rights rights)
    {
        auto irq = Irq::create(harness.objects, controller, line).release_value();
        return driver.process().handles().install(*irq, rights).release_value();
    }
};

TEST_F(DeviceAbiTest, DriverReadsAndWritesRegistersThroughItsHandle)
{
    Handle device = give_device(Rights::Read | Rights::Write);
    EXPECT_EQ(run("write_reg", { device, 4, 1, 0x5A }), ok);
    EXPECT_EQ(registers.bytes[4], 0x5A);
    EXPECT_EQ(run("write_reg", { device, 8, 4, 0x11223344 }), ok);
    EXPECT_EQ(run("read_reg", { device, 8, 4 }), 0x11223344);
    EXPECT_EQ(run("read_reg", { device, 4, 1 }), 0x5A);
}

TEST_F(DeviceAbiTest, RegisterAccessRefusesHostileArgumentsWithoutTouchingTheDevice)
{
    Handle reader = give_device(Rights::Read);
    Handle writer = give_device(Rights::Write);
    EXPECT_EQ(run("write_reg", { reader, 0, 1, 1 }), permission_denied);
    EXPECT_EQ(run("read_reg", { writer, 0, 1 }), permission_denied);
    EXPECT_EQ(run("read_reg", { 0x7FFFFFFF, 0, 1 }), bad_handle);                 // forged
    EXPECT_EQ(run("read_reg", { reader, 16, 1 }), fault);                         // past the window
    EXPECT_EQ(run("read_reg", { reader, 0xFFFFFFFC, 4 }), fault);
    EXPECT_EQ(run("read_reg", { reader, 2, 4 }), invalid_argument);               // misaligned
    EXPECT_EQ(run("read_reg", { reader, 0, 2 }), invalid_argument);               // width not accepted
    EXPECT_EQ(run("write_reg", { writer, 0, 1, 0x100 }), invalid_argument);       // value too wide
    EXPECT_EQ(run("read_reg_to", { reader, 0xFFFFFFF8 }), fault);                 // output outside memory
    EXPECT_EQ(run("read_reg_to", { reader, 3 }), invalid_argument);               // misaligned output
    i64 event = run("event_new", {});
    EXPECT_EQ(run("read_reg", { static_cast<u64>(event), 0, 1 }), bad_handle);    // an event is no device
    EXPECT_EQ(registers.accesses, 0);
}

TEST_F(DeviceAbiTest, PciConfigSpaceThroughTheAbi)
{
    Handle device = give_pci(Rights::Read | Rights::Write);
    EXPECT_EQ(run("pci_read", { device, 0, 4 }), 0x10441af4);
    EXPECT_EQ(run("pci_read", { device, 0x0E, 1 }), 0); // header type
    EXPECT_EQ(run("pci_write", { device, 0x0C, 1, 0x10 }), ok);
    EXPECT_EQ(run("pci_read", { device, 0x0C, 1 }), 0x10);
    EXPECT_EQ(run("pci_write", { device, 0x44, 4, 0xCAFE }), ok); // the driver's space
    EXPECT_EQ(run("pci_read", { device, 0x44, 4 }), 0xCAFE);
}

TEST_F(DeviceAbiTest, PciConfigSpaceRefusesHostileArgumentsAndChangesNothing)
{
    Handle device = give_pci(Rights::Read | Rights::Write | Rights::Derive);
    Handle reader = driver.process().handles().derive(device, Rights::Read).release_value();
    pci::Address address { 0, 1, 0 };
    usize writes = config.writes(address);
    EXPECT_EQ(run("pci_write", { device, 0x20, 4, 0xFFFFFFFF }), permission_denied); // BAR4
    EXPECT_EQ(run("pci_write", { device, 0x04, 2, 0x0006 }), permission_denied);     // bus master
    EXPECT_EQ(run("pci_write", { device, 0x52, 2, 0x8000 }), permission_denied);     // MSI-X enable
    EXPECT_EQ(run("pci_write", { reader, 0x0C, 1, 0 }), permission_denied);          // no write right
    EXPECT_EQ(run("pci_write", { device, 0x1000, 4, 0 }), fault);                    // the next function
    EXPECT_EQ(run("pci_write", { device, 0x41, 2, 0 }), invalid_argument);           // misaligned
    EXPECT_EQ(run("pci_write", { device, 0x40, 1, 0x100 }), invalid_argument);       // too wide
    EXPECT_EQ(config.writes(address), writes);
    EXPECT_EQ(run("pci_read", { device, 0x1000, 4 }), fault);
    EXPECT_EQ(run("pci_read", { device, 0xFFFFFFFC, 4 }), fault);
    EXPECT_EQ(run("pci_read", { device, 0, 3 }), invalid_argument);
    EXPECT_EQ(run("pci_read_to", { device, 0xFFFFFFFC }), fault);                    // output outside memory
    EXPECT_EQ(run("pci_read_to", { device, 2 }), invalid_argument);                  // misaligned output
    EXPECT_EQ(run("pci_read", { 0x7FFFFFFF, 0, 4 }), bad_handle);
    i64 event = run("event_new", {});
    EXPECT_EQ(run("pci_read", { static_cast<u64>(event), 0, 4 }), bad_handle); // an event is no PCI function
    EXPECT_EQ(run("read_reg", { device, 0, 4 }), bad_handle);                   // nor a PCI function a register window
    // Hosted, nothing lists or opens functions (booted rows answer E_UNSUPPORTED here).
    EXPECT_EQ(run("pci_list_open", {}), unsupported);
}

TEST_F(DeviceAbiTest, PciBarsThroughTheAbi)
{
    Handle device = give_pci(Rights::Read | Rights::Write | Rights::Transfer | Rights::Derive);
    Handle reader = driver.process().handles().derive(device, Rights::Read).release_value();
    i64 bar = run("pci_bar", { device, 4 });
    ASSERT_GT(bar, 0);
    EXPECT_EQ(bar >> 56, sys::abi::PCI_BAR_MEM64);
    EXPECT_EQ((bar >> 48) & 0xFF, sys::abi::PCI_BAR_PREFETCHABLE | sys::abi::PCI_BAR_ASSIGNED);
    EXPECT_EQ(bar & 0xFFFFFFFFFFFF, 0x4000);
    EXPECT_EQ(run("pci_bar_address", { device, 4 }), 0x800000000);
    EXPECT_EQ(run("pci_bar", { device, 5 }), not_found);  // BAR4's upper half
    EXPECT_EQ(run("pci_bar", { device, 0 }), not_found);  // unimplemented
    EXPECT_EQ(run("pci_bar", { device, 6 }), invalid_argument);
    EXPECT_EQ(run("pci_bar_to", { device, 0xFFFFFFF0 }), fault);
    EXPECT_EQ(run("pci_bar_to", { device, 4 }), invalid_argument); // a u64 field: 8-aligned
    EXPECT_EQ(run("pci_bar_open", { reader, 4 }), permission_denied);
    EXPECT_EQ(run("pci_bar_open", { device, 5 }), not_found);
    i64 window = run("pci_bar_open", { device, 4 });
    ASSERT_GT(window, 0);
    // The window carries the PciDevice handle's rights (transfer and derive too), and is bounded by
    // the BAR.
    auto found = driver.process().handles().lookup<Device>(static_cast<Handle>(window), Rights::None);
    ASSERT_FALSE(found.is_error());
    EXPECT_EQ(found.value().rights, Rights::Read | Rights::Write | Rights::Transfer | Rights::Derive);
    EXPECT_EQ(run("write_reg", { static_cast<u64>(window), 8, 4, 0x11223344 }), ok);
    EXPECT_EQ(run("read_reg", { static_cast<u64>(window), 8, 4 }), 0x11223344);
    EXPECT_EQ(run("read_reg", { static_cast<u64>(window), 0x4000, 4 }), fault);
    EXPECT_EQ(run("pci_read", { static_cast<u64>(window), 0, 4 }), bad_handle);
}

namespace {

class FixedDmaAddressing final : public DmaAddressing {
public:
    Result<u64> device_address(const RegionPages&) override { return u64(0x4000'0000); }
};

} // namespace

TEST_F(DeviceAbiTest, DmaBuffersAndMsixVectorsThroughTheAbi)
{
    Handle device = give_pci(Rights::Read | Rights::Write | Rights::Transfer | Rights::Derive);
    Handle reader = driver.process().handles().derive(device, Rights::Read).release_value();
    pci::Address address { 0, 1, 0 };
    auto mastering = [&] { return (config.value(address, pci::config::command, 2) & pci::config::command_bus_master) != 0; };
    // Hosted: no device addresses and no MSI target, so neither row can give anything.
    EXPECT_EQ(run("dma_new", { device, 4096 }), unsupported);
    EXPECT_EQ(run("irq_open", { device, 0 }), unsupported);
    FixedDmaAddressing addressing;
    sys::set_azoth_dma_addressing(&addressing);
    EXPECT_EQ(run("dma_new", { device, 0 }), invalid_argument);
    EXPECT_EQ(run("dma_new", { device, (4u << 20) + 1 }), invalid_argument);
    EXPECT_EQ(run("dma_new", { reader, 4096 }), permission_denied);
    EXPECT_EQ(run("irq_open", { reader, 0 }), permission_denied);
    EXPECT_FALSE(mastering());
    i64 dma = run("dma_new", { device, 5000 });
    ASSERT_GT(dma, 0);
    EXPECT_TRUE(mastering());
    EXPECT_EQ(run("dma_addr", { static_cast<u64>(dma) }), 0x4000'0000);
    EXPECT_EQ(run("dma_addr", { device }), bad_handle); // a PciDevice is not a buffer
    EXPECT_EQ(run("dma_new", { static_cast<u64>(dma), 4096 }), bad_handle); // nor a buffer a PciDevice
    i64 region = run("dma_region_of", { static_cast<u64>(dma) });
    ASSERT_GT(region, 0);
    auto found = driver.process().handles().lookup<Region>(static_cast<Handle>(region), Rights::None);
    ASSERT_FALSE(found.is_error());
    EXPECT_EQ(found.value().rights, Rights::Read | Rights::Write | Rights::Map); // no transfer, no derive
    EXPECT_EQ(found.value().object->size(), 8192u);
    EXPECT_EQ(run("close", { static_cast<u64>(dma) }), ok);
    EXPECT_FALSE(mastering());
    EXPECT_EQ(run("dma_addr", { static_cast<u64>(dma) }), bad_handle);
    sys::set_azoth_dma_addressing(nullptr);
}

TEST_F(DeviceAbiTest, IrqArrivesAsEventBitsAndNeedsAnAck)
{
    Handle irq = give_irq(Rights::Write);
    i64 event = run("event_new", {});
    ASSERT_GT(event, 0);
    EXPECT_EQ(run("ack", { irq }), invalid_state); // nothing bound, nothing pending
    EXPECT_EQ(run("bind_irq", { irq, static_cast<u64>(event), 0x4 }), ok);
    EXPECT_FALSE(controller.lines[line].masked);
    controller.raise(line, false);
    EXPECT_TRUE(controller.lines[line].masked);
    EXPECT_EQ(run("poll", { static_cast<u64>(event), 0x4 }), 0x4);
    controller.raise(line, false); // masked: the controller holds it pending
    EXPECT_EQ(run("poll", { static_cast<u64>(event), 0x4 }), 0);
    EXPECT_EQ(run("ack", { irq }), ok); // unmasking delivers the pending edge, which masks again
    EXPECT_TRUE(controller.lines[line].masked);
    EXPECT_EQ(run("poll", { static_cast<u64>(event), 0x4 }), 0x4);
    EXPECT_EQ(run("ack", { irq }), ok);
    EXPECT_FALSE(controller.lines[line].masked);
    EXPECT_EQ(run("ack", { irq }), invalid_state);
}

TEST_F(DeviceAbiTest, IrqBindingChecksRightsOnBothHandles)
{
    Handle reader = give_irq(Rights::Read);
    i64 event = run("event_new", {});
    Handle wait_only = driver.process().handles().derive(static_cast<Handle>(event), Rights::Read).release_value();
    EXPECT_EQ(run("bind_irq", { reader, static_cast<u64>(event), 1 }), permission_denied);
    EXPECT_EQ(run("ack", { reader }), permission_denied);
    driver.process().handles().close(reader).release_value();
    Handle irq = give_irq(Rights::Write);
    EXPECT_EQ(run("bind_irq", { irq, wait_only, 1 }), permission_denied); // may not signal that event
    EXPECT_EQ(run("bind_irq", { irq, static_cast<u64>(event), 0 }), invalid_argument);
    EXPECT_EQ(run("bind_irq", { irq, irq, 1 }), bad_handle); // an irq is no event
    EXPECT_TRUE(controller.lines[line].masked); // none of that bound or unmasked it
}

TEST_F(DeviceAbiTest, TimersSignalTheirEventAndDieWithTheirHandle)
{
    i64 event = run("event_new", {});
    i64 timer = run("timer_new", {});
    ASSERT_GT(timer, 0);
    EXPECT_EQ(run("timer_arm", { static_cast<u64>(timer), static_cast<u64>(event), 2, 1'000'000, 0 }), ok);
    queue.tick();
    EXPECT_EQ(run("poll", { static_cast<u64>(event), 2 }), 0);
    clock.now += 1'000'000;
    queue.tick();
    EXPECT_EQ(run("poll", { static_cast<u64>(event), 2 }), 2);
    EXPECT_EQ(run("timer_arm", { static_cast<u64>(timer), static_cast<u64>(event), 2, 0, 1 }), invalid_argument); // storm period
    EXPECT_EQ(run("timer_arm", { static_cast<u64>(timer), static_cast<u64>(event), 2, 1'000'000, 1'000'000 }), ok);
    EXPECT_EQ(queue.armed_count(), 1u);
    EXPECT_EQ(run("timer_stop", { static_cast<u64>(timer) }), ok);
    EXPECT_EQ(queue.armed_count(), 0u);
    EXPECT_EQ(run("timer_arm", { static_cast<u64>(timer), static_cast<u64>(event), 2, 1'000'000, 1'000'000 }), ok);
    EXPECT_EQ(run("close", { static_cast<u64>(timer) }), ok);
    EXPECT_EQ(queue.armed_count(), 0u); // the last handle went: the timer is gone from the queue
    EXPECT_EQ(run("timer_stop", { static_cast<u64>(timer) }), bad_handle);
}

TEST_F(DeviceAbiTest, TimerCreationFailsCleanly)
{
    u32 before = driver.process().handles().live_count();
    EXPECT_EQ(run("timer_new_to", { 0xFFFFFFFC }), fault);
    EXPECT_EQ(run("timer_new_to", { 2 }), invalid_argument);
    sys::set_azoth_timer_queue(nullptr);
    EXPECT_EQ(run("timer_new", {}), unsupported);
    EXPECT_EQ(driver.process().handles().live_count(), before);
}

struct HandleCallTest : DeviceAbiTest {
    Loaded server;
    Handle endpoint { 0 };
    void SetUp() override
    {
        DeviceAbiTest::SetUp();
        server = harness.load("device-driver", "server").release_value();
        endpoint = harness.connect(driver, server, Rights::Call).release_value();
    }
};

constexpr u64 op_rights = 1, op_keep = 2, op_trap = 3;
constexpr u64 read_write = u64(Rights::Read | Rights::Write);

TEST_F(HandleCallTest, ACopiedHandleArrivesNarrowedAndTheSenderKeepsIt)
{
    i64 event = run("event_new", {});
    u32 server_before = server.process().handles().live_count();
    EXPECT_EQ(run("give", { endpoint, static_cast<u64>(event), read_write, 1, op_rights }), static_cast<i64>(read_write));
    EXPECT_EQ(server.process().handles().live_count(), server_before + 1);
    EXPECT_EQ(run("rights", { static_cast<u64>(event) }), static_cast<i64>(Rights::All));
}

TEST_F(HandleCallTest, AMovedHandleLeavesTheSender)
{
    i64 event = run("event_new", {});
    i64 received = run("give", { endpoint, static_cast<u64>(event), u64(Rights::All), 0, op_keep });
    ASSERT_GT(received, 0);
    EXPECT_EQ(run("rights", { static_cast<u64>(event) }), bad_handle);
    auto rights = server.process().handles().rights_of(static_cast<Handle>(received));
    ASSERT_FALSE(rights.is_error());
    EXPECT_EQ(rights.value(), Rights::All);
}

TEST_F(HandleCallTest, RefusedCallsChangeNothing)
{
    i64 event = run("event_new", {});
    Handle no_transfer = driver.process().handles().derive(static_cast<Handle>(event), Rights::Read | Rights::Write).release_value();
    u32 server_before = server.process().handles().live_count();
    u32 driver_before = driver.process().handles().live_count();
    EXPECT_EQ(run("give", { endpoint, no_transfer, read_write, 1, op_rights }), permission_denied);
    EXPECT_EQ(run("give", { endpoint, 0x7FFFFFFF, read_write, 1, op_rights }), bad_handle);
    EXPECT_EQ(run("give", { endpoint, static_cast<u64>(event), read_write, 2, op_rights }), invalid_argument); // mode
    EXPECT_EQ(run("give", { endpoint, static_cast<u64>(event), 1u << 20, 1, op_rights }), invalid_argument); // rights bits
    EXPECT_EQ(run("give", { endpoint, endpoint, 0, 0, op_rights }), invalid_argument); // moving the endpoint called
    EXPECT_EQ(run("give", { static_cast<u64>(event), static_cast<u64>(event), read_write, 1, op_rights }), bad_handle); // not an endpoint
    EXPECT_EQ(run("give_to", { endpoint, static_cast<u64>(event), 0xFFFFFFF0 }), fault); // results outside memory
    EXPECT_EQ(server.process().handles().live_count(), server_before);
    EXPECT_EQ(driver.process().handles().live_count(), driver_before);
}

TEST_F(HandleCallTest, AFullServerTableRefusesTheHandleAndTheCall)
{
    i64 event = run("event_new", {});
    auto filler = Event::create(harness.objects, harness.waiter).release_value();
    while (!server.process().handles().install(*filler, Rights::Read).is_error()) { }
    u32 server_before = server.process().handles().live_count();
    EXPECT_EQ(run("give", { endpoint, static_cast<u64>(event), read_write, 0, op_keep }), exhausted);
    EXPECT_EQ(server.process().handles().live_count(), server_before);
    EXPECT_EQ(run("rights", { static_cast<u64>(event) }), static_cast<i64>(Rights::All)); // a move that failed: still ours
}

TEST_F(HandleCallTest, ATrappedCallTakesTheHandleBack)
{
    // A handler that does not return normally (here: it traps) does not keep the handle: the
    // server's copy is closed and a moved handle stays the sender's. Before, each such call left a
    // handle in the server's table that nobody knew the number of (a killed caller could fill it).
    i64 event = run("event_new", {});
    u32 server_before = server.process().handles().live_count();
    for (int i = 0; i < 300; ++i) // more than the table holds: nothing accumulates
        ASSERT_EQ(run("give", { endpoint, static_cast<u64>(event), read_write, 0, op_trap }), server_trapped) << i;
    EXPECT_EQ(server.process().handles().live_count(), server_before);
    EXPECT_EQ(run("rights", { static_cast<u64>(event) }), static_cast<i64>(Rights::All)); // the move did not happen
}

} // namespace
