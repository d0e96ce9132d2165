// kernel/object/PciDevice.cpp against FakeConfigSpace: what a driver may read and write of its
// function's configuration space, and its BARs as Device windows.
#include "FakeConfigSpace.h"

#include <kernel/object/PciDevice.h>
#include <tests/unit/object/FakeHardware.h>
#include <tests/unit/object/ObjectTestSupport.h>

#include <gtest/gtest.h>

#include <memory>

using namespace ath;
using namespace ath::object;
using namespace ath::pci;
using ath::pci::testing::FakeBar;
using ath::pci::testing::FakeConfigSpace;

namespace {

constexpr Address rng { 0, 1, 0 };

struct PciWorld {
    test_support::CountingAllocator allocator;
    test_support::FakeRegisters registers;
    FakeConfigSpace config;
    std::unique_ptr<Topology> topology = std::make_unique<Topology>();
    RefPtr<PciDevice> device;

    // A modern virtio-rng as the firmware left it on x86: BAR1 32-bit, BAR4 64-bit prefetchable,
    // an I/O BAR0, MSI-X at 0x50, a vendor capability at 0x40; bus mastering and decode on.
    explicit PciWorld(bool io_ports = true, u64 bar4 = 0x800000000)
    {
        config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
        config.set_bar(rng, 0, FakeBar { BarKind::Io, 0x20, false, 0xc040 });
        config.set_bar(rng, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0xc1000000 });
        config.set_bar(rng, 4, FakeBar { BarKind::Memory64, 0x4000, true, bar4 });
        config.set_capabilities(rng, { { 0x09, 0x10 }, { config::capability_msix, 0x0c } });
        config.write(rng, config::command, 2, config::command_io | config::command_memory | config::command_bus_master);
        HostBridge host;
        host.io_ports = io_ports;
        EXPECT_FALSE(enumerate(config, host, *topology).is_error());
        auto made = PciDevice::create(allocator, config, registers, topology->functions[0], io_ports);
        EXPECT_FALSE(made.is_error());
        device = made.release_value();
    }
};

} // namespace

TEST(PciDevice, ReadsAnyByteOfItsOwnFunctionAndNothingBeyond)
{
    PciWorld world;
    EXPECT_EQ(world.device->config_read(0, 4).value(), 0x10441af4u);
    EXPECT_EQ(world.device->config_read(0x20, 4).value(), 0x0000000cu); // BAR4 low: readable
    EXPECT_EQ(world.device->config_read(0xFFC, 4).value(), 0u);
    EXPECT_EQ(world.device->config_read(0x1000, 1).error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(world.device->config_read(0xFFFFFFFC, 4).error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(world.device->config_read(2, 4).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(world.device->config_read(0, 3).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(world.device->config_read(0, 8).error().code, ErrorCode::InvalidArgument);
}

TEST(PciDevice, RefusesEveryRegisterTheKernelOwnsAndWritesNothing)
{
    PciWorld world;
    usize writes = world.config.writes(rng);
    for (u32 offset : { 0x00u, 0x08u, 0x0Eu, 0x10u, 0x14u, 0x20u, 0x24u, 0x30u, 0x3Cu, 0x3Du, 0x3Fu })
        EXPECT_EQ(world.device->config_write(offset, 1, 0).error().code, ErrorCode::PermissionDenied) << offset;
    // MSI-X (0x50..0x5B): an interrupt message is a memory write.
    EXPECT_EQ(world.device->config_write(0x52, 2, 0x8000).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(world.device->config_write(0x58, 4, 0).error().code, ErrorCode::PermissionDenied);
    // A write that straddles into a kernel byte is refused whole.
    EXPECT_EQ(world.device->config_write(0x0C, 4, 0).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(world.config.writes(rng), writes);
}

TEST(PciDevice, CommandRegisterOnlyInterruptDisableIsTheDrivers)
{
    PciWorld world;
    u32 command = world.device->config_read(config::command, 2).value();
    EXPECT_EQ(command & config::command_bus_master, 0u); // the enumerator turned DMA off
    EXPECT_NE(command & config::command_memory, 0u);
    EXPECT_EQ(world.device->config_write(config::command, 2, command | config::command_bus_master).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(world.device->config_write(config::command, 2, command & ~u32(config::command_memory)).error().code,
        ErrorCode::PermissionDenied);
    EXPECT_EQ(world.device->config_write(config::command, 1, (command | config::command_bus_master) & 0xFF).error().code,
        ErrorCode::PermissionDenied);
    EXPECT_EQ(world.device->config_read(config::command, 2).value(), command);
    ASSERT_FALSE(world.device->config_write(config::command, 2, command | config::command_interrupt_disable).is_error());
    EXPECT_EQ(world.device->config_read(config::command, 2).value(), command | config::command_interrupt_disable);
    // Command and status in one word: status is the driver's.
    ASSERT_FALSE(world.device->config_write(config::command, 4, command).is_error());
    EXPECT_EQ(world.device->config_read(config::command, 2).value(), command);
}

TEST(PciDevice, TheDriversBytesAreWritten)
{
    PciWorld world;
    ASSERT_FALSE(world.device->config_write(config::cache_line_size, 1, 0x10).is_error());
    EXPECT_EQ(world.device->config_read(config::cache_line_size, 1).value(), 0x10u);
    ASSERT_FALSE(world.device->config_write(0x44, 4, 0xdeadbeef).is_error()); // inside the vendor capability
    EXPECT_EQ(world.device->config_read(0x44, 4).value(), 0xdeadbeefu);
    ASSERT_FALSE(world.device->config_write(0x100, 2, 0x1234).is_error()); // extended space
    EXPECT_EQ(world.device->config_write(0x40, 1, 0x100).error().code, ErrorCode::InvalidArgument);
}

TEST(PciDevice, BarsComeOutAsBoundedDeviceWindows)
{
    PciWorld world;
    EXPECT_EQ(world.device->bar(6).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(world.device->bar(2).error().code, ErrorCode::NotFound);
    EXPECT_EQ(world.device->bar(5).error().code, ErrorCode::NotFound); // BAR4's upper half
    auto bar4 = world.device->open_bar(world.allocator, 4);
    ASSERT_FALSE(bar4.is_error());
    EXPECT_EQ(bar4.value()->window().space, DeviceSpace::Mmio);
    EXPECT_EQ(bar4.value()->window().base, 0x800000000u);
    EXPECT_EQ(bar4.value()->window().length, 0x4000u);
    EXPECT_EQ(bar4.value()->read(0x4000, 4).error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(world.registers.accesses, 0);
    auto io = world.device->open_bar(world.allocator, 0);
    ASSERT_FALSE(io.is_error());
    EXPECT_EQ(io.value()->window().space, DeviceSpace::Port);
    EXPECT_EQ(io.value()->window().base, 0xc040u);
    EXPECT_EQ(io.value()->read(0, 8).error().code, ErrorCode::InvalidArgument); // ports: up to 4 bytes
}

TEST(PciDevice, IoBarsAreMemoryWindowsWhereIoIsMemoryMapped)
{
    PciWorld world(false);
    auto io = world.device->open_bar(world.allocator, 0);
    ASSERT_FALSE(io.is_error());
    EXPECT_EQ(io.value()->window().space, DeviceSpace::Mmio);
}

TEST(PciDevice, AnUnassignedBarCannotBeOpened)
{
    PciWorld world(true, 0); // BAR4 left at 0, no windows to assign it from
    EXPECT_FALSE(world.device->bar(4).value().assigned);
    EXPECT_EQ(world.device->open_bar(world.allocator, 4).error().code, ErrorCode::Invalid);
}
