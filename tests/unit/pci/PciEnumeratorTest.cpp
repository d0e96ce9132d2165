// kernel/pci/Enumerator.cpp against FakeConfigSpace: topology walk (multi-function devices,
// bridges numbered by the firmware or by the kernel, loops), BAR sizing of every kind, and BAR
// assignment from the host bridge's windows where the firmware left none.
#include "FakeConfigSpace.h"

#include <gtest/gtest.h>

#include <memory>

using namespace ath;
using namespace ath::pci;
using ath::pci::testing::FakeBar;
using ath::pci::testing::FakeConfigSpace;

namespace {

constexpr Address host_bridge { 0, 0, 0 };
constexpr Address rng { 0, 1, 0 };
constexpr Address blk { 0, 2, 0 };

const Function* find(const Topology& topology, Address address)
{
    for (auto& function : topology.functions) {
        if (function.address == address)
            return &function;
    }
    return nullptr;
}

// QEMU virt's windows (riscv64): I/O at CPU 0x3000000, 32-bit memory 0x40000000 (1 GiB), 64-bit
// memory at 16 GiB.
HostBridge virt_bridge()
{
    HostBridge host;
    host.bus_start = 0;
    host.bus_end = 255;
    EXPECT_FALSE(host.windows.try_append(Window { WindowKind::Io, false, 0, 0x3000000, 0x10000 }).is_error());
    EXPECT_FALSE(host.windows.try_append(Window { WindowKind::Memory32, false, 0x40000000, 0x40000000, 0x40000000 }).is_error());
    EXPECT_FALSE(host.windows.try_append(Window { WindowKind::Memory64, false, 0x400000000, 0x400000000, 0x400000000 }).is_error());
    return host;
}

// Functions that the firmware left without addresses: a host bridge, a modern virtio-rng (a
// 32-bit BAR1 and a 64-bit prefetchable BAR4) and a transitional virtio-blk (an I/O BAR0 too).
void add_virtio_pair(FakeConfigSpace& config, u64 rng_bar4 = 0, u64 blk_bar0 = 0)
{
    config.add(host_bridge, 0x1b36, 0x0008, 0x06, 0x00);
    config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_bar(rng, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0 });
    config.set_bar(rng, 4, FakeBar { BarKind::Memory64, 0x4000, true, rng_bar4 });
    config.add(blk, 0x1af4, 0x1001, 0x01, 0x00);
    config.set_bar(blk, 0, FakeBar { BarKind::Io, 0x80, false, blk_bar0 });
    config.set_bar(blk, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0 });
    config.set_bar(blk, 4, FakeBar { BarKind::Memory64, 0x4000, true, 0 });
}

bool overlap(const Bar& a, const Bar& b) { return a.pci_address < b.pci_address + b.size && b.pci_address < a.pci_address + a.size; }

} // namespace

TEST(PciEnumerator, ReadsIdentityAndSizesFirmwareAssignedBarsWithoutChangingThem)
{
    FakeConfigSpace config;
    config.add(host_bridge, 0x8086, 0x29c0, 0x06, 0x00);
    config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_bar(rng, 0, FakeBar { BarKind::Io, 0x20, false, 0xc040 });
    config.set_bar(rng, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0xc1000000 });
    config.set_bar(rng, 4, FakeBar { BarKind::Memory64, 0x4000, true, 0x800000000 });
    // The firmware left memory decode and bus mastering on.
    u32 command_before = config.value(rng, config::command, 2) | config::command_memory | config::command_bus_master;
    config.write(rng, config::command, 2, command_before);
    HostBridge host; // x86_64: no windows, the firmware assigned everything
    host.io_ports = true;
    host.bus_end = 255;
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());

    ASSERT_EQ(topology->functions.size(), 2u);
    const Function* bridge = find(*topology, host_bridge);
    ASSERT_NE(bridge, nullptr);
    EXPECT_EQ(bridge->vendor, 0x8086);
    EXPECT_EQ(bridge->device, 0x29c0);
    EXPECT_TRUE(bridge->is_host_bridge());
    const Function* device = find(*topology, rng);
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->vendor, 0x1af4);
    EXPECT_EQ(device->device, 0x1044);
    EXPECT_EQ(device->class_code, 0x00);
    EXPECT_EQ(device->subclass, 0xff);
    EXPECT_EQ(device->bars[0].kind, BarKind::Io);
    EXPECT_EQ(device->bars[0].size, 0x20u);
    EXPECT_EQ(device->bars[0].pci_address, 0xc040u);
    EXPECT_EQ(device->bars[0].cpu_address, 0xc040u);
    EXPECT_EQ(device->bars[1].kind, BarKind::Memory32);
    EXPECT_EQ(device->bars[1].size, 0x1000u);
    EXPECT_FALSE(device->bars[1].prefetchable);
    EXPECT_EQ(device->bars[2].kind, BarKind::None);
    EXPECT_EQ(device->bars[4].kind, BarKind::Memory64);
    EXPECT_TRUE(device->bars[4].prefetchable);
    EXPECT_EQ(device->bars[4].size, 0x4000u);
    EXPECT_EQ(device->bars[4].pci_address, 0x800000000u);
    EXPECT_EQ(device->bars[5].kind, BarKind::None); // the upper half of BAR4
    for (u8 index : { 0, 1, 4 }) {
        EXPECT_TRUE(device->bars[index].assigned) << int(index);
        EXPECT_FALSE(device->bars[index].assigned_by_kernel) << int(index);
    }
    // Sizing wrote all ones and put every BAR and the command register back.
    EXPECT_EQ(config.value(rng, config::bar0, 4), 0xc041u);
    EXPECT_EQ(config.value(rng, config::bar0 + 4, 4), 0xc1000000u);
    EXPECT_EQ(config.value(rng, config::bar0 + 16, 4), 0x0000000cu);
    EXPECT_EQ(config.value(rng, config::bar0 + 20, 4), 0x8u);
    // Decode on for the assigned BARs (I/O too, which the firmware had left off); bus mastering
    // off (no DMA until the kernel grants it).
    EXPECT_EQ(config.value(rng, config::command, 2), (command_before | config::command_io) & ~u32(config::command_bus_master));
    EXPECT_EQ(topology->bars_assigned_by_kernel, 0u);
    EXPECT_EQ(topology->bars_unassigned, 0u);
}

TEST(PciEnumerator, AssignsUnassignedBarsFromTheWindowsAlignedAndDisjoint)
{
    FakeConfigSpace config;
    add_virtio_pair(config);
    HostBridge host = virt_bridge();
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());
    ASSERT_EQ(topology->functions.size(), 3u);
    EXPECT_EQ(topology->bars_assigned_by_kernel, 5u); // rng: BAR1, BAR4; blk: BAR0, BAR1, BAR4
    EXPECT_EQ(topology->bars_unassigned, 0u);

    std::vector<const Bar*> bars;
    for (Address address : { rng, blk }) {
        const Function* function = find(*topology, address);
        ASSERT_NE(function, nullptr);
        for (u8 index = 0; index < function->bar_count; ++index) {
            const Bar& bar = function->bars[index];
            if (bar.kind == BarKind::None)
                continue;
            EXPECT_TRUE(bar.assigned && bar.assigned_by_kernel);
            EXPECT_EQ(bar.pci_address % bar.size, 0u) << "not naturally aligned";
            EXPECT_NE(bar.pci_address, 0u);
            // The BAR register holds the address the enumerator reports.
            u64 held = config.value(address, u16(config::bar0 + 4 * index), 4) & (bar.kind == BarKind::Io ? ~3u : ~0xFu);
            if (bar.kind == BarKind::Memory64)
                held |= u64(config.value(address, u16(config::bar0 + 4 * index + 4), 4)) << 32;
            EXPECT_EQ(held, bar.pci_address);
            bars.push_back(&bar);
        }
        // Decode on, bus mastering still off.
        u16 command = u16(config.value(address, config::command, 2));
        EXPECT_TRUE(command & config::command_memory);
        EXPECT_FALSE(command & config::command_bus_master);
    }
    for (usize i = 0; i < bars.size(); ++i) {
        for (usize j = i + 1; j < bars.size(); ++j) {
            if ((bars[i]->kind == BarKind::Io) == (bars[j]->kind == BarKind::Io))
                EXPECT_FALSE(overlap(*bars[i], *bars[j])) << i << " overlaps " << j;
        }
    }
    const Function* rng_function = find(*topology, rng);
    // The 64-bit prefetchable BAR went to the 64-bit window; the 32-bit one below 4 GiB.
    EXPECT_GE(rng_function->bars[4].pci_address, 0x400000000u);
    EXPECT_LT(rng_function->bars[1].pci_address, 0x80000000u);
    EXPECT_GE(rng_function->bars[1].pci_address, 0x40000000u);
    const Function* blk_function = find(*topology, blk);
    // I/O: a port number above the legacy range, reached through the memory-mapped I/O window.
    const Bar& io = blk_function->bars[0];
    EXPECT_EQ(io.kind, BarKind::Io);
    EXPECT_GE(io.pci_address, 0x1000u);
    EXPECT_EQ(io.cpu_address, 0x3000000u + io.pci_address);
    EXPECT_TRUE(config.value(blk, config::command, 2) & config::command_io);
}

TEST(PciEnumerator, KeepsFirmwareAddressesInsideAWindowAndPlacesNewBarsAroundThem)
{
    FakeConfigSpace config;
    // The firmware put rng's BAR4 at the start of the 64-bit window and blk's I/O BAR at 0x1000.
    add_virtio_pair(config, 0x400000000, 0x1000);
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, virt_bridge(), *topology).is_error());
    const Function* rng_function = find(*topology, rng);
    const Function* blk_function = find(*topology, blk);
    EXPECT_EQ(rng_function->bars[4].pci_address, 0x400000000u);
    EXPECT_FALSE(rng_function->bars[4].assigned_by_kernel);
    EXPECT_EQ(blk_function->bars[0].pci_address, 0x1000u);
    EXPECT_FALSE(blk_function->bars[0].assigned_by_kernel);
    EXPECT_TRUE(blk_function->bars[4].assigned_by_kernel);
    EXPECT_FALSE(overlap(rng_function->bars[4], blk_function->bars[4]));
    EXPECT_EQ(topology->bars_assigned_by_kernel, 3u);
}

TEST(PciEnumerator, AFirmwareAddressOutsideEveryWindowIsReassigned)
{
    FakeConfigSpace config;
    config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_bar(rng, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0x10000000 }); // below the window
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, virt_bridge(), *topology).is_error());
    const Bar& bar = find(*topology, rng)->bars[1];
    EXPECT_TRUE(bar.assigned_by_kernel);
    EXPECT_GE(bar.pci_address, 0x40000000u);
}

TEST(PciEnumerator, ABarLargerThanEveryWindowStaysUnassignedAndUndecoded)
{
    FakeConfigSpace config;
    config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_bar(rng, 0, FakeBar { BarKind::Memory32, 0x80000000, false, 0 }); // 2 GiB
    HostBridge host = virt_bridge();
    (void)host.windows.take_last(); // no 64-bit window
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());
    const Bar& bar = find(*topology, rng)->bars[0];
    EXPECT_EQ(bar.size, 0x80000000u);
    EXPECT_FALSE(bar.assigned);
    EXPECT_EQ(topology->bars_unassigned, 1u);
    EXPECT_EQ(config.value(rng, config::command, 2) & config::command_memory, 0u);
}

TEST(PciEnumerator, WithoutWindowsAnUnassignedBarIsReportedNotInvented)
{
    FakeConfigSpace config;
    add_virtio_pair(config);
    HostBridge host;
    host.bus_end = 255;
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());
    EXPECT_EQ(topology->bars_assigned_by_kernel, 0u);
    EXPECT_EQ(topology->bars_unassigned, 5u);
    EXPECT_EQ(config.value(rng, config::bar0 + 4, 4), 0u);
}

TEST(PciEnumerator, FollowsMultiFunctionDevicesOnlyWhenTheHeaderSaysSo)
{
    FakeConfigSpace config;
    config.add(Address { 0, 3, 0 }, 0x8086, 0x2918, 0x06, 0x01, 0, true);
    config.add(Address { 0, 3, 2 }, 0x8086, 0x2922, 0x01, 0x06);
    config.add(Address { 0, 3, 3 }, 0x8086, 0x2930, 0x0c, 0x05);
    config.add(Address { 0, 4, 0 }, 0x1af4, 0x1044, 0x00, 0xff); // single-function
    config.add(Address { 0, 4, 1 }, 0xdead, 0xbeef, 0x00, 0x00);  // must not be seen
    HostBridge host;
    host.bus_end = 0;
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());
    EXPECT_EQ(topology->functions.size(), 4u);
    EXPECT_NE(find(*topology, Address { 0, 3, 3 }), nullptr);
    EXPECT_EQ(find(*topology, Address { 0, 4, 1 }), nullptr);
}

TEST(PciEnumerator, WalksBridgesNumberedByTheFirmwareAndNumbersTheOthers)
{
    FakeConfigSpace config;
    config.add(host_bridge, 0x1b36, 0x0008, 0x06, 0x00);
    Address numbered { 0, 1, 0 }, unnumbered { 0, 2, 0 }, nested { 1, 0, 0 };
    config.add(numbered, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.set_buses(numbered, 0, 1, 2);
    config.add(nested, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.set_buses(nested, 1, 2, 2);
    config.add(Address { 2, 0, 0 }, 0x1af4, 0x1044, 0x00, 0xff);
    config.add(unnumbered, 0x1b36, 0x000c, 0x06, 0x04, 1); // buses 0, 0, 0: left by the firmware
    config.add(Address { 3, 0, 0 }, 0x1af4, 0x1041, 0x02, 0x00);
    HostBridge host;
    host.bus_end = 255;
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());

    EXPECT_EQ(topology->functions.size(), 6u);
    EXPECT_EQ(topology->buses_scanned, 4u);
    EXPECT_EQ(topology->buses_numbered_by_kernel, 1u);
    EXPECT_NE(find(*topology, Address { 2, 0, 0 }), nullptr);
    const Function* behind = find(*topology, Address { 3, 0, 0 });
    ASSERT_NE(behind, nullptr);
    EXPECT_EQ(behind->device, 0x1041);
    // The kernel gave the unnumbered bridge the next free bus after 0..2 and closed its range.
    const Function* bridge = find(*topology, unnumbered);
    EXPECT_EQ(bridge->secondary_bus, 3);
    EXPECT_EQ(bridge->subordinate_bus, 3);
    EXPECT_EQ(config.value(unnumbered, config::primary_bus, 1), 0u);
    EXPECT_EQ(config.value(unnumbered, config::secondary_bus, 1), 3u);
    EXPECT_EQ(config.value(unnumbered, config::subordinate_bus, 1), 3u);
    // The firmware's numbers are left alone.
    EXPECT_EQ(config.value(numbered, config::secondary_bus, 1), 1u);
    EXPECT_EQ(config.value(numbered, config::subordinate_bus, 1), 2u);
    EXPECT_EQ(find(*topology, numbered)->subordinate_bus, 2);
}

TEST(PciEnumerator, TwoBridgesClaimingOneBusScanItOnce)
{
    FakeConfigSpace config;
    config.add(Address { 0, 1, 0 }, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.set_buses(Address { 0, 1, 0 }, 0, 1, 1);
    config.add(Address { 0, 2, 0 }, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.set_buses(Address { 0, 2, 0 }, 0, 1, 1);
    config.add(Address { 1, 0, 0 }, 0x1af4, 0x1044, 0x00, 0xff);
    HostBridge host;
    host.bus_end = 255;
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, host, *topology).is_error());
    EXPECT_EQ(topology->functions.size(), 3u);
    EXPECT_EQ(topology->buses_scanned, 2u);
}

TEST(PciEnumerator, MoreFunctionsThanTrackedIsExhaustedAndKeepsWhatFits)
{
    FakeConfigSpace config;
    for (u8 device = 0; device < 9; ++device) {
        for (u8 function = 0; function < 8; ++function)
            config.add(Address { 0, device, function }, 0x1af4, 0x1044, 0x00, 0xff, 0, function == 0);
    }
    HostBridge host;
    auto topology = std::make_unique<Topology>();
    auto result = enumerate(config, host, *topology);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::Exhausted);
    EXPECT_EQ(topology->functions.size(), Topology::max_functions);
}

TEST(PciEnumerator, RefusesANonEmptyTopologyAndAnEmptyBusRange)
{
    FakeConfigSpace config;
    HostBridge host;
    host.bus_start = 5;
    host.bus_end = 4;
    auto topology = std::make_unique<Topology>();
    EXPECT_EQ(enumerate(config, host, *topology).error().code, ErrorCode::InvalidArgument);
    host.bus_start = 0;
    ASSERT_FALSE(topology->functions.try_append(Function {}).is_error());
    EXPECT_EQ(enumerate(config, host, *topology).error().code, ErrorCode::InvalidArgument);
}

TEST(PciEnumerator, CapabilityWalkFindsEntriesAndEndsOnALoop)
{
    FakeConfigSpace config;
    config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_capabilities(rng, { { 0x09, 0x10 }, { config::capability_msix, 0x0c } });
    EXPECT_EQ(find_capability(config, rng, config::capability_msix), 0x50);
    EXPECT_EQ(find_capability(config, rng, 0x09), 0x40);
    EXPECT_EQ(find_capability(config, rng, config::capability_msi), 0);
    config.write(rng, 0x51, 1, 0x40); // MSI-X's next points back to the first entry
    EXPECT_EQ(find_capability(config, rng, config::capability_msi), 0);
}

namespace {

// A bridge at 00:03.0 whose firmware opened a memory window [0x40000000, 0x400FFFFF] for bus 1,
// where a device's BAR sits at 0x40000000.
void add_bridge_with_window(FakeConfigSpace& config)
{
    Address bridge { 0, 3, 0 };
    config.add(bridge, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.set_buses(bridge, 0, 1, 1);
    config.write(bridge, config::memory_base, 4, 0x40004000); // base and limit 0x400 MiB: one 1 MiB granule
    config.write(bridge, config::io_base, 2, 0x1010);          // I/O 0x1000..0x1FFF
    config.write(bridge, config::prefetchable_base, 4, 0x0000FFF0); // closed (limit < base)
    Address behind { 1, 0, 0 };
    config.add(behind, 0x1af4, 0x1043, 0x07, 0x80);
    config.set_bar(behind, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0x40000000 });
}

} // namespace

TEST(PciEnumerator, ReadsBridgeWindowsAndPlacesRootBarsOutsideThem)
{
    FakeConfigSpace config;
    add_virtio_pair(config);
    add_bridge_with_window(config);
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, virt_bridge(), *topology).is_error());
    const Function* bridge = find(*topology, Address { 0, 3, 0 });
    ASSERT_NE(bridge, nullptr);
    EXPECT_TRUE(bridge->forwarded_memory.is_open());
    EXPECT_EQ(bridge->forwarded_memory.base, 0x40000000u);
    EXPECT_EQ(bridge->forwarded_memory.limit, 0x400FFFFFu);
    EXPECT_EQ(bridge->forwarded_io.base, 0x1000u);
    EXPECT_EQ(bridge->forwarded_io.limit, 0x1FFFu);
    EXPECT_FALSE(bridge->forwarded_prefetchable.is_open());
    for (Address address : { rng, blk }) {
        const Function* function = find(*topology, address);
        for (u8 index = 0; index < function->bar_count; ++index) {
            const Bar& bar = function->bars[index];
            if (bar.kind == BarKind::None)
                continue;
            ASSERT_TRUE(bar.assigned_by_kernel);
            const ForwardedRange& range = bar.kind == BarKind::Io ? bridge->forwarded_io : bridge->forwarded_memory;
            EXPECT_TRUE(bar.pci_address + bar.size <= range.base || bar.pci_address > range.limit)
                << "bar " << int(index) << " at " << std::hex << bar.pci_address << " inside the bridge's window";
        }
    }
    // Behind the bridge the firmware's address stays.
    EXPECT_EQ(find(*topology, Address { 1, 0, 0 })->bars[1].pci_address, 0x40000000u);
    EXPECT_FALSE(find(*topology, Address { 1, 0, 0 })->bars[1].assigned_by_kernel);
}

TEST(PciEnumerator, ReassignGivesEveryBarAndBridgeWindowAKernelAddress)
{
    FakeConfigSpace config;
    add_virtio_pair(config, 0x400000000, 0x2000); // firmware addresses, valid in the windows
    add_bridge_with_window(config);
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, virt_bridge(), *topology, EnumerateOptions { true }).is_error());
    EXPECT_EQ(topology->bars_unassigned, 0u);
    EXPECT_EQ(topology->bridge_windows_by_kernel, 1u);
    std::vector<const Bar*> all;
    for (auto& function : topology->functions) {
        for (u8 index = 0; index < function.bar_count; ++index) {
            const Bar& bar = function.bars[index];
            if (bar.kind == BarKind::None)
                continue;
            EXPECT_TRUE(bar.assigned && bar.assigned_by_kernel);
            all.push_back(&bar);
        }
    }
    EXPECT_EQ(all.size(), 6u);
    for (usize i = 0; i < all.size(); ++i) {
        for (usize j = i + 1; j < all.size(); ++j) {
            if ((all[i]->kind == BarKind::Io) == (all[j]->kind == BarKind::Io))
                EXPECT_FALSE(overlap(*all[i], *all[j]));
        }
    }
    // The device behind the bridge sits inside the window the kernel opened, as programmed.
    const Function* bridge = find(*topology, Address { 0, 3, 0 });
    const Bar& behind = find(*topology, Address { 1, 0, 0 })->bars[1];
    ASSERT_TRUE(bridge->forwarded_memory.is_open());
    EXPECT_EQ(bridge->forwarded_memory.limit - bridge->forwarded_memory.base + 1, 0x100000u);
    EXPECT_GE(behind.pci_address, bridge->forwarded_memory.base);
    EXPECT_LE(behind.pci_address + behind.size - 1, bridge->forwarded_memory.limit);
    u32 memory = config.value(Address { 0, 3, 0 }, config::memory_base, 4);
    EXPECT_EQ(u64(memory & 0xFFF0) << 16, bridge->forwarded_memory.base);
    EXPECT_EQ((u64(memory & 0xFFF00000) | 0xFFFFF), bridge->forwarded_memory.limit);
    EXPECT_FALSE(bridge->forwarded_io.is_open()); // nothing behind it needs I/O
    EXPECT_TRUE(config.value(Address { 0, 3, 0 }, config::command, 2) & config::command_memory);
    // Without windows the option changes nothing.
    FakeConfigSpace pc;
    add_virtio_pair(pc, 0x800000000, 0xc000);
    HostBridge host;
    host.bus_end = 255;
    auto kept = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(pc, host, *kept, EnumerateOptions { true }).is_error());
    EXPECT_EQ(find(*kept, rng)->bars[4].pci_address, 0x800000000u);
    EXPECT_EQ(kept->bars_assigned_by_kernel, 0u);
}

TEST(PciEnumerator, OpensTheWindowsOfBridgesTheFirmwareLeftAndAssignsWhatIsBehind)
{
    // Two nested bridges without numbers or windows (riscv64 firmware that configures nothing),
    // with a device behind each, and a device on the root bus.
    FakeConfigSpace config;
    config.add(host_bridge, 0x1b36, 0x0008, 0x06, 0x00);
    Address outer { 0, 2, 0 }, inner { 1, 0, 0 }, first { 1, 1, 0 }, second { 2, 0, 0 };
    config.add(outer, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.add(inner, 0x1b36, 0x000c, 0x06, 0x04, 1);
    config.add(first, 0x1af4, 0x1041, 0x02, 0x00);
    config.set_bar(first, 0, FakeBar { BarKind::Io, 0x20, false, 0 });
    config.set_bar(first, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0 });
    config.set_bar(first, 4, FakeBar { BarKind::Memory64, 0x4000, true, 0 });
    config.add(second, 0x1af4, 0x1043, 0x07, 0x80);
    config.set_bar(second, 1, FakeBar { BarKind::Memory32, 0x200000, false, 0 }); // 2 MiB
    config.add(rng, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_bar(rng, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0 });
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, virt_bridge(), *topology).is_error());
    EXPECT_EQ(topology->buses_numbered_by_kernel, 2u);
    EXPECT_EQ(topology->bridge_windows_by_kernel, 2u);
    EXPECT_EQ(topology->bars_unassigned, 0u);
    const Function* outer_bridge = find(*topology, outer);
    const Function* inner_bridge = find(*topology, inner);
    ASSERT_TRUE(outer_bridge && inner_bridge);
    // The inner window (2 MiB for the 2 MiB BAR) nests inside the outer one (4 MiB), and both
    // are naturally aligned, 1 MiB granules.
    EXPECT_TRUE(outer_bridge->forwarded_memory.is_open() && inner_bridge->forwarded_memory.is_open());
    EXPECT_GE(inner_bridge->forwarded_memory.base, outer_bridge->forwarded_memory.base);
    EXPECT_LE(inner_bridge->forwarded_memory.limit, outer_bridge->forwarded_memory.limit);
    EXPECT_EQ(outer_bridge->forwarded_memory.limit - outer_bridge->forwarded_memory.base + 1, 0x400000u);
    EXPECT_EQ(outer_bridge->forwarded_memory.base % 0x400000, 0u);
    EXPECT_TRUE(outer_bridge->forwarded_io.is_open());
    EXPECT_FALSE(inner_bridge->forwarded_io.is_open());
    auto inside = [](const ForwardedRange& range, const Bar& bar) {
        return bar.assigned && bar.pci_address >= range.base && bar.pci_address + bar.size - 1 <= range.limit && bar.pci_address % bar.size == 0;
    };
    const Function* first_function = find(*topology, first);
    const Function* second_function = find(*topology, second);
    EXPECT_TRUE(inside(outer_bridge->forwarded_io, first_function->bars[0]));
    EXPECT_TRUE(inside(outer_bridge->forwarded_memory, first_function->bars[1]));
    EXPECT_TRUE(inside(outer_bridge->forwarded_memory, first_function->bars[4]));
    EXPECT_FALSE(inside(inner_bridge->forwarded_memory, first_function->bars[1])); // first is on bus 1, not behind inner
    EXPECT_TRUE(inside(inner_bridge->forwarded_memory, second_function->bars[1]));
    EXPECT_LT(first_function->bars[4].pci_address, 0x100000000u); // behind a bridge: the 32-bit window
    // The root-bus BAR went around the outer bridge's window.
    const Bar& root_bar = find(*topology, rng)->bars[1];
    EXPECT_TRUE(root_bar.assigned_by_kernel);
    EXPECT_TRUE(root_bar.pci_address > outer_bridge->forwarded_memory.limit || root_bar.pci_address + root_bar.size <= outer_bridge->forwarded_memory.base);
    // The bridges decode what they forward; the prefetchable windows are closed.
    EXPECT_TRUE(config.value(outer, config::command, 2) & config::command_memory);
    EXPECT_TRUE(config.value(outer, config::command, 2) & config::command_io);
    EXPECT_FALSE(outer_bridge->forwarded_prefetchable.is_open());
}

TEST(PciEnumerator, ABridgeChainDeeperThanTheLimitEndsThere)
{
    // 24 bridges, each the only function of its bus, numbered by the firmware, windows closed,
    // with a device (and a BAR to place) at the end: the walk and the window sizing stop at the
    // nesting limit instead of recursing on.
    FakeConfigSpace config;
    for (u8 bus = 0; bus < 24; ++bus) {
        Address bridge { bus, 0, 0 };
        config.add(bridge, 0x1b36, 0x000c, 0x06, 0x04, 1);
        config.set_buses(bridge, bus, u8(bus + 1), 24);
        config.write(bridge, config::memory_base, 4, 0x0000FFF0);
    }
    config.add(Address { 24, 0, 0 }, 0x1af4, 0x1044, 0x00, 0xff);
    config.set_bar(Address { 24, 0, 0 }, 1, FakeBar { BarKind::Memory32, 0x1000, false, 0 });
    auto topology = std::make_unique<Topology>();
    ASSERT_FALSE(enumerate(config, virt_bridge(), *topology).is_error());
    EXPECT_LE(topology->buses_scanned, 18u);
    EXPECT_EQ(find(*topology, Address { 24, 0, 0 }), nullptr);
}
