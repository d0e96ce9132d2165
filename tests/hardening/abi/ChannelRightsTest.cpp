// Finding 3 of the hardening issue, hosted: azoth.channel_region used to hand out the ring's
// region with Read|Write|Map whatever the channel handle carried, so a receive-only party could
// map the ring writable and forge messages or move head and tail. The region now carries no more
// than the channel handle (docs/security.md).
#include "../../ipc/ModuleHarness.h"

#include <gtest/gtest.h>
#include <kernel/ipc/Channel.h>

using namespace ath;
using namespace ath::object;
using namespace ath::ipc_test;

namespace {

constexpr i64 status_ok = 0;
constexpr i64 status_permission_denied = 2;

struct ChannelRightsTest : ::testing::Test {
    ModuleHarness harness;
    Loaded client;
    RefPtr<ipc::Channel> channel;

    void SetUp() override
    {
        client = harness.load("ipc-client", "client").release_value();
        channel = ipc::Channel::create(harness.objects, harness.mapper, harness.waiter, 65536, 64).release_value();
    }

    i64 run(const char* name, std::initializer_list<u64> arguments)
    {
        auto result = harness.run(client, name, arguments);
        EXPECT_FALSE(result.is_error()) << (result.is_error() ? result.error().reason : "");
        return result.is_error() ? INT64_MIN : static_cast<i64>(result.value());
    }
};

TEST_F(ChannelRightsTest, AReceiveOnlyChannelHandleCannotMapTheRingWritable)
{
    // ring_attach (modules/examples/ipc-client) asks for the ring's region and maps it writable.
    Handle receive_only = client.process().handles().install(*channel, Rights::Read | Rights::Map).release_value();
    EXPECT_EQ(run("ring_attach", { receive_only }), -status_permission_denied);
    // Nothing was mapped: the window is still the module's own memory.
    EXPECT_EQ(run("unmap", {}), 10 /* E_NOT_FOUND: no mapping starts there */);
}

TEST_F(ChannelRightsTest, TheRingRegionCarriesOnlyTheChannelHandlesRights)
{
    Handle receive_only = client.process().handles().install(*channel, Rights::Read | Rights::Map | Rights::Derive).release_value();
    // The region handle the call installs is the next handle of the table; read its rights.
    EXPECT_EQ(run("ring_attach", { receive_only }), -status_permission_denied);
    bool found = false;
    for (u32 index = 0; index < HandleTable::capacity; ++index) {
        for (u32 generation = 1; generation < 4; ++generation) {
            Handle handle = HandleTable::encode(index, generation);
            auto type = client.process().handles().type_of(handle);
            if (type.is_error() || type.value() != ObjectType::Region)
                continue;
            Rights rights = client.process().handles().rights_of(handle).release_value();
            EXPECT_EQ(rights, Rights::Read | Rights::Map | Rights::Derive);
            found = true;
        }
    }
    EXPECT_TRUE(found) << "channel_region installed no region handle";
}

TEST_F(ChannelRightsTest, AFullChannelHandleStillDrivesTheRingDirectly)
{
    Handle both = client.process().handles().install(*channel, Rights::Read | Rights::Write | Rights::Map).release_value();
    ASSERT_EQ(run("ring_attach", { both }), status_ok);
    EXPECT_EQ(run("ring_send_byte", { 0x42 }), 1);
    u8 byte = 0;
    auto received = channel->receive(Bytes(&byte, 1), 0);
    ASSERT_FALSE(received.is_error());
    EXPECT_EQ(byte, 0x42);
}

} // namespace
