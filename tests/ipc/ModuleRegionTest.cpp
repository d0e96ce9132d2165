// Zero-copy regions between modules: shared bytes without copies, read-only mappings, unmap
// restoring private zero pages, and revocation unmapping at once.
#include "ModuleHarness.h"

#include <gtest/gtest.h>
#include <kernel/ipc/Channel.h>
#include <kernel/object/Event.h>
#include <kernel/object/Region.h>

using namespace ath;
using namespace ath::object;
using namespace ath::ipc_test;

namespace {

struct ModuleRegionTest : ::testing::Test {
    ModuleHarness harness;
    Loaded client, server;
    RefPtr<Region> region;

    void SetUp() override
    {
        client = harness.load("ipc-client", "client").release_value();
        server = harness.load("ipc-server", "server").release_value();
        region = Region::create(harness.objects, harness.mapper, 65536).release_value();
    }

    i64 run(const Loaded& loaded, const char* name, std::initializer_list<u64> arguments)
    {
        auto result = harness.run(loaded, name, arguments);
        EXPECT_FALSE(result.is_error()) << (result.is_error() ? result.error().reason : "");
        return result.is_error() ? INT64_MIN : static_cast<i64>(result.value());
    }
};

TEST_F(ModuleRegionTest, TwoModulesShareBytesWithoutCopies)
{
    Handle in_client = client.process().handles().install(*region, Rights::Read | Rights::Write | Rights::Map).release_value();
    Handle in_server = server.process().handles().install(*region, Rights::Read | Rights::Map).release_value();
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();

    ASSERT_EQ(run(client, "map", { in_client, 1 }), status_ok);
    u32 window = static_cast<u32>(run(client, "window_offset", {}));
    EXPECT_EQ(client.instance->default_memory()->data() + window, client.instance->default_memory()->data() + window);
    run(client, "poke", { 100, 0xAB });
    EXPECT_EQ(region->kernel_bytes()[100], 0xAB); // the kernel's view is the same page

    // The server maps the same pages read-only and reads what the client wrote.
    EXPECT_EQ(run(client, "call4", { endpoint, 6, in_server, 0, 0 }), status_ok);
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 100, 0, 0 }), 0xAB);
    run(client, "poke", { 101, 0xCD });
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 101, 0, 0 }), 0xCD);
    EXPECT_EQ(client.process().mapping_count(), 1u);
    EXPECT_EQ(server.process().mapping_count(), 1u);

    // Unmapping gives the client private zeroed pages back; the server still sees the data.
    ASSERT_EQ(run(client, "unmap", {}), status_ok);
    EXPECT_EQ(run(client, "peek", { 100 }), 0);
    run(client, "poke", { 100, 0x11 }); // private now: does not reach the region
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 100, 0, 0 }), 0xAB);
    EXPECT_EQ(region->kernel_bytes()[100], 0xAB);
}

TEST_F(ModuleRegionTest, MapChecksRightsAndRanges)
{
    Handle read_only = client.process().handles().install(*region, Rights::Read | Rights::Map).release_value();
    Handle no_map = client.process().handles().install(*region, Rights::Read | Rights::Write).release_value();
    EXPECT_EQ(run(client, "map", { read_only, 1 }), status_permission_denied); // write needs Write
    EXPECT_EQ(run(client, "map", { no_map, 0 }), status_permission_denied);
    EXPECT_EQ(client.process().mapping_count(), 0u);

    // Misaligned or out-of-range offsets are refused before anything changes.
    auto misaligned = client.process().map_region(read_only, 100, false);
    ASSERT_TRUE(misaligned.is_error());
    EXPECT_EQ(misaligned.error().code, ErrorCode::InvalidArgument);
    auto outside = client.process().map_region(read_only, client.instance->default_memory()->size_in_bytes(), false);
    ASSERT_TRUE(outside.is_error());
    EXPECT_EQ(outside.error().code, ErrorCode::OutOfRange);

    ASSERT_EQ(run(client, "map", { read_only, 0 }), status_ok);
    EXPECT_EQ(run(client, "map", { read_only, 0 }), status_already_exists); // overlapping
    EXPECT_EQ(run(client, "unmap", {}), status_ok);
    EXPECT_EQ(run(client, "unmap", {}), status_not_found);
}

TEST_F(ModuleRegionTest, RevokeUnmapsEverythingDerivedAtOnce)
{
    // The owner (this test, as the supervisor) leases the region to both modules through one
    // derived handle; revoking it unmaps the region from both.
    auto owner = ProcessObject::create(harness.objects, harness.space, "owner").release_value();
    Handle root = owner->handles().install(*region, Rights::All).release_value();
    Handle lease = owner->handles().derive(root, Rights::Read | Rights::Write | Rights::Map | Rights::Transfer | Rights::Revoke).release_value();
    Handle in_client = owner->handles().transfer(lease, client.process().handles(), Rights::Read | Rights::Write | Rights::Map, TransferMode::Copy).release_value();
    Handle in_server = owner->handles().transfer(lease, server.process().handles(), Rights::Read | Rights::Map, TransferMode::Copy).release_value();
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();

    ASSERT_EQ(run(client, "map", { in_client, 1 }), status_ok);
    ASSERT_EQ(run(client, "call4", { endpoint, 6, in_server, 0, 0 }), status_ok);
    run(client, "poke", { 7, 0x5A });
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 7, 0, 0 }), 0x5A);

    EXPECT_EQ(owner->handles().revoke(lease).value(), 3u);
    EXPECT_EQ(client.process().mapping_count(), 0u);
    EXPECT_EQ(server.process().mapping_count(), 0u);
    EXPECT_EQ(run(client, "peek", { 7 }), 0);                      // zero pages are back
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 7, 0, 0 }), 0);   // in both modules
    EXPECT_EQ(run(client, "map", { in_client, 1 }), status_bad_handle);
    EXPECT_EQ(region->kernel_bytes()[7], 0x5A); // the region itself keeps its bytes for the owner
    owner->terminate();
}

TEST_F(ModuleRegionTest, EventsAndChannelsThroughTheAbi)
{
    auto event = Event::create(harness.objects, harness.waiter).release_value();
    Handle waitable = client.process().handles().install(*event, Rights::Read).release_value();
    Handle signal_only = client.process().handles().install(*event, Rights::Write).release_value();
    EXPECT_EQ(run(client, "event_wait", { waitable, 1, 10'000'000 }), status_timed_out);
    EXPECT_EQ(run(client, "event_wait", { signal_only, 1, 0 }), status_permission_denied);
    EXPECT_EQ(run(client, "event_signal", { waitable, 1 }), status_permission_denied);
    EXPECT_EQ(run(client, "event_signal", { signal_only, 5 }), status_ok);
    EXPECT_EQ(run(client, "event_wait", { waitable, 1, 0 }), status_ok);
    EXPECT_EQ(run(client, "last_output", {}), 1);

    // A two-slot ring: every second message wraps around.
    auto channel = ipc::Channel::create(harness.objects, harness.mapper, harness.waiter, 4096, 1024).release_value();
    Handle both = client.process().handles().install(*channel, Rights::Read | Rights::Write).release_value();
    Handle receive_only = client.process().handles().install(*channel, Rights::Read).release_value();
    for (u32 i = 0; i < 100; ++i) {
        ASSERT_EQ(run(client, "channel_send_byte", { both, i, 0 }), status_ok);
        ASSERT_EQ(run(client, "channel_receive_byte", { both, 0 }), static_cast<i64>(i));
    }
    EXPECT_EQ(run(client, "channel_send_byte", { receive_only, 1, 0 }), status_permission_denied);
    EXPECT_EQ(run(client, "channel_receive_byte", { both, 1'000'000 }), -status_timed_out);
    EXPECT_EQ(run(client, "channel_send_byte", { both, 1, 0 }), status_ok);
    EXPECT_EQ(run(client, "channel_send_byte", { both, 2, 0 }), status_ok);
    EXPECT_EQ(run(client, "channel_send_byte", { both, 3, 1'000'000 }), status_timed_out);
}

TEST_F(ModuleRegionTest, AModuleDrivesAChannelRingDirectly)
{
    // The module maps the channel's ring and sends with plain stores; the kernel side receives.
    auto channel = ipc::Channel::create(harness.objects, harness.mapper, harness.waiter, 65536, 64).release_value();
    Handle handle = client.process().handles().install(*channel, Rights::All).release_value();
    Handle no_map = client.process().handles().install(*channel, Rights::Read | Rights::Write).release_value();
    EXPECT_EQ(run(client, "ring_attach", { no_map }), -status_permission_denied);
    ASSERT_EQ(run(client, "ring_attach", { handle }), 0);
    u8 buffer[64];
    for (u32 i = 0; i < 3000; ++i) { // 512 slots: wraps around
        ASSERT_EQ(run(client, "ring_send_byte", { i & 0xFF }), 1);
        auto received = channel->ring().try_receive(Bytes(buffer, sizeof buffer));
        ASSERT_FALSE(received.is_error());
        ASSERT_TRUE(received.value().has_value());
        ASSERT_EQ(*received.value(), 1u);
        ASSERT_EQ(buffer[0], i & 0xFF);
    }
    // The ring's region handle hangs under the channel handle: revoking the channel handle unmaps
    // the ring, and later stores land in the module's private zero pages.
    EXPECT_EQ(client.process().mapping_count(), 1u);
    EXPECT_EQ(client.process().handles().revoke(handle).value(), 2u);
    EXPECT_EQ(client.process().mapping_count(), 0u);
    run(client, "ring_send_byte", { 7 });
    EXPECT_EQ(channel->ring().pending().value(), 0u);
}

} // namespace
