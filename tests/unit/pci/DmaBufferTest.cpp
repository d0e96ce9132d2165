// kernel/object/DmaBuffer.cpp and PciDevice's bus-mastering rules against FakeConfigSpace: a DMA
// buffer's bounds, bus mastering only while buffers live, and the device quiesced (virtio reset,
// bus mastering off) before a buffer's frames can go back.
#include "FakeConfigSpace.h"

#include <kernel/object/DmaBuffer.h>
#include <tests/unit/object/FakeHardware.h>
#include <tests/unit/object/ObjectTestSupport.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

using namespace ath;
using namespace ath::object;
using namespace ath::pci;
using ath::pci::testing::FakeBar;
using ath::pci::testing::FakeConfigSpace;

namespace {

constexpr pci::Address rng { 0, 1, 0 };
constexpr pci::Address port { 0, 2, 0 };

bool bus_master(FakeConfigSpace& config, pci::Address address) { return (config.value(address, config::command, 2) & config::command_bus_master) != 0; }

// Pages from the heap; destroy_pages records whether the device could still master the bus at
// the moment the frames went back (it must not).
class RecordingMapper final : public PageMapper {
public:
    RecordingMapper(FakeConfigSpace& config, test_support::FakeRegisters& registers) : m_config(config), m_registers(registers) { }
    Result<RegionPages> create_pages(u64 size) override
    {
        void* memory = std::aligned_alloc(page_size, size);
        std::memset(memory, 0xA5, size); // garbage: create() must hand out zeroed pages
        std::memset(memory, 0, size);
        ++created;
        return RegionPages { reinterpret_cast<u64>(memory), size, static_cast<u8*>(memory) };
    }
    void destroy_pages(RegionPages& pages) override
    {
        freed_while_mastering.push_back(bus_master(m_config, rng));
        status_when_freed.push_back(m_registers.bytes[20]);
        std::free(pages.kernel_view);
    }
    ErrorOr map(const RegionPages&, u64, u8*, u64, bool, const ReadOnlyWriteSink*) override { return {}; }
    ErrorOr unmap(u8*, u64) override { return {}; }
    void revert_read_only_copies(u8*) override { }

    int created { 0 };
    std::vector<bool> freed_while_mastering;
    std::vector<u8> status_when_freed; // the virtio device_status at that moment

private:
    FakeConfigSpace& m_config;
    test_support::FakeRegisters& m_registers;
};

class FakeAddressing final : public DmaAddressing {
public:
    Result<u64> device_address(const RegionPages& pages) override
    {
        if (refuse)
            return Error::from(ErrorCode::Unsupported, "no device addresses here");
        return 0x4000'0000 + (pages.token & 0xFFFF'F000);
    }
    bool refuse { false };
};

struct DmaWorld {
    test_support::CountingAllocator allocator;
    test_support::FakeRegisters registers; // BAR1's first 64 bytes: the virtio common configuration
    FakeConfigSpace config;
    RecordingMapper mapper { config, registers };
    FakeAddressing addressing;
    std::unique_ptr<Topology> topology = std::make_unique<Topology>();
    RefPtr<PciDevice> device;
    RefPtr<PciDevice> bridge;

    // A modern virtio-rng (BAR1 holds the common configuration at offset 0 when `virtio`) as the
    // enumerator leaves it (bus mastering off), and a root port.
    explicit DmaWorld(bool virtio = true)
    {
        config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
        config.set_bar(rng, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0xc1000000 });
        config.set_capabilities(rng, { { 0x09, 0x10 }, { config::capability_msix, 0x0c } });
        if (virtio) {
            config.write(rng, 0x43, 1, 1); // cfg_type 1: common configuration
            config.write(rng, 0x44, 1, 1); // in BAR1
            config.write(rng, 0x48, 4, 0); // at offset 0
        }
        config.add(port, 0x1b36, 0x000c, 0x06, 0x04, 1);
        config.set_buses(port, 0, 1, 1);
        HostBridge host;
        EXPECT_FALSE(enumerate(config, host, *topology).is_error());
        for (auto& function : topology->functions) {
            auto made = PciDevice::create(allocator, config, registers, function, false);
            EXPECT_FALSE(made.is_error());
            (function.address == rng ? device : bridge) = made.release_value();
        }
        registers.bytes[20] = 0x0F; // device_status: ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK
    }

    Result<RefPtr<DmaBuffer>> create(u64 size, PciDevice* on = nullptr)
    {
        return DmaBuffer::create(allocator, mapper, addressing, on ? *on : *device, size);
    }
};

} // namespace

TEST(DmaBuffer, SizesOutsideOnePageTo4MiBAreRefusedAndNothingChanges)
{
    DmaWorld world;
    ASSERT_FALSE(bus_master(world.config, rng));
    for (u64 size : { u64(0), DmaBuffer::max_size + 1, u64(1) << 40, ~u64(0) })
        EXPECT_EQ(world.create(size).error().code, ErrorCode::InvalidArgument) << size;
    EXPECT_EQ(world.mapper.created, 0);
    EXPECT_FALSE(bus_master(world.config, rng));
    EXPECT_EQ(world.device->dma_buffer_count(), 0u);
}

TEST(DmaBuffer, ABridgeGetsNone)
{
    DmaWorld world;
    ASSERT_TRUE(world.bridge);
    EXPECT_EQ(world.create(4096, world.bridge.get()).error().code, ErrorCode::InvalidArgument);
    EXPECT_FALSE(bus_master(world.config, port));
}

TEST(DmaBuffer, IsZeroedWholePagesWithADeviceAddressAndTurnsBusMasteringOn)
{
    DmaWorld world;
    auto buffer = world.create(100);
    ASSERT_FALSE(buffer.is_error());
    EXPECT_EQ(buffer.value()->size(), page_size);
    EXPECT_EQ(buffer.value()->device_address(), 0x4000'0000 + (buffer.value()->region().pages().token & 0xFFFF'F000));
    Bytes bytes = buffer.value()->region().kernel_bytes();
    for (usize i = 0; i < bytes.size(); ++i)
        ASSERT_EQ(bytes[i], 0) << i;
    EXPECT_TRUE(bus_master(world.config, rng));
    EXPECT_EQ(world.device->dma_buffer_count(), 1u);
    EXPECT_EQ(world.create(DmaBuffer::max_size).value()->size(), DmaBuffer::max_size);
}

TEST(DmaBuffer, NoDeviceAddressNoBufferAndNoBusMastering)
{
    DmaWorld world;
    world.addressing.refuse = true;
    EXPECT_EQ(world.create(4096).error().code, ErrorCode::Unsupported);
    EXPECT_FALSE(bus_master(world.config, rng));
    EXPECT_EQ(world.device->dma_buffer_count(), 0u);
    EXPECT_EQ(world.mapper.freed_while_mastering.size(), 1u); // the region went again
}

TEST(DmaBuffer, FreeingTheLastBufferResetsTheDeviceAndStopsBusMasteringBeforeTheFramesGo)
{
    DmaWorld world;
    {
        auto buffer = world.create(8192);
        ASSERT_FALSE(buffer.is_error());
        ASSERT_TRUE(bus_master(world.config, rng));
    }
    EXPECT_EQ(world.registers.bytes[20], 0); // device_status written 0: the virtio reset
    EXPECT_FALSE(bus_master(world.config, rng));
    EXPECT_EQ(world.device->quiesce_count(), 1u);
    ASSERT_EQ(world.mapper.freed_while_mastering.size(), 1u);
    EXPECT_FALSE(world.mapper.freed_while_mastering[0]);
}

TEST(DmaBuffer, AVirtioDeviceResetForOneBufferMastersAgainForTheOthers)
{
    DmaWorld world;
    auto first = world.create(4096).release_value();
    auto second = world.create(4096).release_value();
    first = nullptr;
    // The frames went after the reset (the device forgot every queue address), so mastering may
    // go on for the buffer that is left.
    ASSERT_EQ(world.mapper.status_when_freed.size(), 1u);
    EXPECT_EQ(world.mapper.status_when_freed[0], 0);
    EXPECT_TRUE(bus_master(world.config, rng));
    second = nullptr;
    EXPECT_FALSE(bus_master(world.config, rng));
    EXPECT_EQ(world.device->quiesce_count(), 2u);
}

TEST(DmaBuffer, ADeviceThatCannotBeResetStaysOffUntilAllItsBuffersAreGone)
{
    DmaWorld world(false);
    ASSERT_FALSE(world.device->reset_virtio());
    auto first = world.create(4096).release_value();
    auto second = world.create(4096).release_value();
    EXPECT_TRUE(bus_master(world.config, rng));
    first = nullptr;
    EXPECT_FALSE(bus_master(world.config, rng)); // it may still hold the freed buffer's address
    auto third = world.create(4096).release_value();
    EXPECT_FALSE(bus_master(world.config, rng));
    second = nullptr;
    third = nullptr;
    EXPECT_FALSE(bus_master(world.config, rng));
    auto fresh = world.create(4096).release_value();
    EXPECT_TRUE(bus_master(world.config, rng));
    for (bool mastering : world.mapper.freed_while_mastering)
        EXPECT_FALSE(mastering);
}

TEST(DmaBuffer, TheDriverCannotTurnBusMasteringOnOrOffItself)
{
    DmaWorld world;
    u32 command = world.config.value(rng, config::command, 2);
    EXPECT_EQ(world.device->config_write(config::command, 2, command | config::command_bus_master).error().code, ErrorCode::PermissionDenied);
    auto buffer = world.create(4096).release_value();
    command = world.config.value(rng, config::command, 2);
    EXPECT_EQ(world.device->config_write(config::command, 2, command & ~u32(config::command_bus_master)).error().code,
        ErrorCode::PermissionDenied);
    EXPECT_TRUE(bus_master(world.config, rng));
}
