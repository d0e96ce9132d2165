// kernel/object/PciDevice.cpp as the IrqController of its MSI-X vectors, against FakeConfigSpace
// (the capability) and FakeRegisters (the table in BAR1 at offset 0): an Irq per vector, the entry
// programmed with the target's message and masked until bound, masked again when it fires until
// the driver acks, and given back (masked, the target's vector freed) with the Irq.
#include "FakeConfigSpace.h"

#include <kernel/object/PciDevice.h>
#include <tests/unit/object/FakeHardware.h>
#include <tests/unit/object/ObjectTestSupport.h>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

using namespace ath;
using namespace ath::object;
using ath::pci::testing::FakeBar;
using ath::pci::testing::FakeConfigSpace;

namespace {

constexpr pci::Address rng { 0, 1, 0 };
constexpr u16 msix = 0x50;

class FakeTarget final : public MsiTarget {
public:
    Result<Message> install(IrqController::Handler handler_in, void* context_in) override
    {
        if (full)
            return Error::from(ErrorCode::Exhausted, "no vectors");
        handler = handler_in;
        context = context_in;
        ++installed;
        return Message { 0xFEE0'1000, 0x61 + u32(installed), 0x61 + u32(installed) };
    }
    void remove(u32 vector) override { removed.push_back(vector); }
    void deliver() { handler(context); }

    IrqController::Handler handler { nullptr };
    void* context { nullptr };
    int installed { 0 };
    bool full { false };
    std::vector<u32> removed;
};

struct MsixWorld {
    test_support::CountingAllocator allocator;
    test_support::NoWaiting waiting;
    test_support::FakeRegisters registers; // BAR1's first 64 bytes: MSI-X entries 0-3
    FakeConfigSpace config;
    FakeTarget target;
    std::unique_ptr<pci::Topology> topology = std::make_unique<pci::Topology>();
    RefPtr<PciDevice> device;

    explicit MsixWorld(bool with_msix = true)
    {
        config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
        config.set_bar(rng, 1, FakeBar { pci::BarKind::Memory32, 0x1000, false, 0xc1000000 });
        if (with_msix) {
            config.set_capabilities(rng, { { 0x09, 0x10 }, { pci::config::capability_msix, 0x0c } });
            config.write(rng, msix + 2, 2, 3);    // 4 entries, MSI-X off
            config.write(rng, msix + 4, 4, 0x1);  // the table: BAR1, offset 0
            config.write(rng, msix + 8, 4, 0x801); // the PBA: BAR1, offset 0x800
        }
        pci::HostBridge host;
        EXPECT_FALSE(pci::enumerate(config, host, *topology).is_error());
        device = PciDevice::create(allocator, config, registers, topology->functions[0], false).release_value();
        device->set_msi_target(&target);
    }

    u32 entry(u32 vector, u32 word)
    {
        u32 value = 0;
        std::memcpy(&value, registers.bytes + 16 * vector + 4 * word, 4);
        return value;
    }
    u32 control() { return config.value(rng, msix + 2, 2); }
};

} // namespace

TEST(PciMsix, AVectorIsProgrammedWithTheTargetsMessageAndMaskedUntilBound)
{
    MsixWorld world;
    auto irq = world.device->open_msix(world.allocator, 2);
    ASSERT_FALSE(irq.is_error());
    EXPECT_EQ(world.entry(2, 0), 0xFEE0'1000u);
    EXPECT_EQ(world.entry(2, 1), 0u);
    EXPECT_EQ(world.entry(2, 2), 0x62u);
    EXPECT_EQ(world.entry(2, 3), 1u); // masked
    EXPECT_EQ(world.control() & 0xC000u, 0x8000u); // MSI-X on, function mask off
    auto event = Event::create(world.allocator, world.waiting).release_value();
    ASSERT_FALSE(irq.value()->bind(event, 4).is_error());
    EXPECT_EQ(world.entry(2, 3), 0u); // unmasked once bound
}

TEST(PciMsix, AFiringVectorStaysMaskedUntilTheDriverAcks)
{
    MsixWorld world;
    auto irq = world.device->open_msix(world.allocator, 0).release_value();
    auto event = Event::create(world.allocator, world.waiting).release_value();
    ASSERT_FALSE(irq->bind(event, 1).is_error());
    world.target.deliver();
    EXPECT_EQ(event->peek(), 1u);
    EXPECT_EQ(world.entry(0, 3), 1u);
    EXPECT_TRUE(irq->pending());
    // A device that keeps sending (a storm) finds the entry masked: no more than one delivery
    // reaches the driver until it acks.
    ASSERT_FALSE(irq->ack().is_error());
    EXPECT_EQ(world.entry(0, 3), 0u);
    EXPECT_EQ(irq->ack().error().code, ErrorCode::Invalid); // nothing pending: a stray ack unmasks nothing
    EXPECT_EQ(irq->fire_count(), 1u);
}

TEST(PciMsix, VectorsOutsideTheTableOrTakenAreRefused)
{
    MsixWorld world;
    EXPECT_EQ(world.device->open_msix(world.allocator, 4).error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(world.device->open_msix(world.allocator, 0xFFFFFFFF).error().code, ErrorCode::OutOfRange);
    auto first = world.device->open_msix(world.allocator, 1).release_value();
    EXPECT_EQ(world.device->open_msix(world.allocator, 1).error().code, ErrorCode::Busy);
    EXPECT_EQ(world.target.installed, 1);
    first = nullptr;
    ASSERT_EQ(world.target.removed.size(), 1u); // the vector went back with the Irq
    EXPECT_EQ(world.target.removed[0], 0x62u);
    EXPECT_EQ(world.entry(1, 3), 1u); // and its entry is masked
    EXPECT_FALSE(world.device->open_msix(world.allocator, 1).is_error());
}

TEST(PciMsix, NoMsixNoTargetOrNoVectorsMeansNoIrq)
{
    MsixWorld without(false);
    EXPECT_EQ(without.device->open_msix(without.allocator, 0).error().code, ErrorCode::Unsupported);
    MsixWorld world;
    world.device->set_msi_target(nullptr);
    EXPECT_EQ(world.device->open_msix(world.allocator, 0).error().code, ErrorCode::Unsupported);
    world.device->set_msi_target(&world.target);
    world.target.full = true;
    EXPECT_EQ(world.device->open_msix(world.allocator, 0).error().code, ErrorCode::Exhausted);
    EXPECT_EQ(world.control() & 0x8000u, 0u); // MSI-X stayed off
}

TEST(PciMsix, TheDriverCannotProgramTheCapability)
{
    MsixWorld world;
    EXPECT_EQ(world.device->config_write(msix + 2, 2, 0x8000).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(world.device->config_write(msix + 4, 4, 0).error().code, ErrorCode::PermissionDenied);
}
