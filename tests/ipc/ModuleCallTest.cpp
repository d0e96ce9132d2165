// Module -> module calls through azoth.call, on the real engine: rights, forged and stale
// handles, trapping servers, nesting and re-entry, hostile pointers, least privilege.
#include "ModuleHarness.h"

#include <kernel/object/ObjectDirectory.h>

#include <gtest/gtest.h>

using namespace ath;
using namespace ath::object;
using namespace ath::ipc_test;

namespace {

struct ModuleCallTest : ::testing::Test {
    ModuleHarness harness;
    Loaded client, server;

    void SetUp() override
    {
        auto loaded_client = harness.load("ipc-client", "client");
        ASSERT_FALSE(loaded_client.is_error()) << loaded_client.error().reason;
        client = loaded_client.value();
        auto loaded_server = harness.load("ipc-server", "server");
        ASSERT_FALSE(loaded_server.is_error()) << loaded_server.error().reason;
        server = loaded_server.value();
    }

    i64 call(const Loaded& from, Handle endpoint, u64 w0, u64 w1 = 0, u64 w2 = 0, u64 w3 = 0)
    {
        auto result = harness.run(from, "call4", { endpoint, w0, w1, w2, w3 });
        EXPECT_FALSE(result.is_error()) << (result.is_error() ? result.error().reason : "");
        return result.is_error() ? INT64_MIN : static_cast<i64>(result.value());
    }
};

TEST_F(ModuleCallTest, CallCarriesFourWordsAndReturnsTheReply)
{
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();
    EXPECT_EQ(call(client, endpoint, 1, 40, 1, 1), 42);
    EXPECT_EQ(call(client, endpoint, 2, 5), 5);
    EXPECT_EQ(call(client, endpoint, 2, 7), 12); // the server keeps its state between calls
    EXPECT_EQ(harness.run(client, "ping_loop", { endpoint, 1000 }).value(), 0u);
    // sum_loop: sum over i of (i + 2 + 3) for i < 100 = 4950 + 500
    EXPECT_EQ(harness.run(client, "sum_loop", { endpoint, 100 }).value(), 5450u);
    EXPECT_EQ(harness.calls.depth(), 0u);
}

TEST_F(ModuleCallTest, HandleWithoutCallRightIsRefused)
{
    Handle endpoint = harness.connect(client, server, Rights::Read | Rights::Transfer).release_value();
    EXPECT_EQ(call(client, endpoint, 2, 1), -status_permission_denied);
    Handle full = harness.connect(client, server, Rights::Call).release_value();
    EXPECT_EQ(call(client, full, 2, 0), 0); // the refused call never reached the server
}

TEST_F(ModuleCallTest, ForgedAndStaleHandlesAreBadHandle)
{
    Handle endpoint = harness.connect(client, server, Rights::Call | Rights::Derive).release_value();
    for (u64 forged : std::initializer_list<u64> { 0, 1, 1023, 1024 + 1, static_cast<u64>(endpoint) + 1, static_cast<u64>(endpoint) + 1024,
             0x7FFFFFFF, 0xFFFFFFFF }) {
        if (forged == endpoint)
            continue;
        EXPECT_EQ(call(client, static_cast<Handle>(forged), 1, 1), -status_bad_handle) << forged;
    }
    ASSERT_EQ(harness.run(client, "derive", { endpoint, static_cast<u32>(Rights::Call) }).value(), 0u);
    Handle derived = static_cast<Handle>(harness.run(client, "last_output", {}).value());
    EXPECT_EQ(call(client, derived, 1, 1, 1, 1), 3);
    ASSERT_EQ(harness.run(client, "close", { derived }).value(), 0u);
    EXPECT_EQ(call(client, derived, 1, 1, 1, 1), -status_bad_handle); // stale now
}

TEST_F(ModuleCallTest, ATrappingServerGivesTheCallerAnErrorNotATrap)
{
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();
    EXPECT_EQ(call(client, endpoint, 3), -status_server_trapped);
    EXPECT_EQ(server.process().trap_count(), 1u);
    EXPECT_EQ(harness.calls.depth(), 0u);
    EXPECT_FALSE(server.process().is_in_call());
    EXPECT_EQ(call(client, endpoint, 1, 1, 2, 3), 6); // both keep working
}

TEST_F(ModuleCallTest, ServersMayCallOnButReentryIsRefused)
{
    auto second = harness.load("ipc-server", "second").release_value();
    Handle to_first = harness.connect(client, server, Rights::Call).release_value();
    Handle first_to_second = harness.connect(server, second, Rights::Call).release_value();
    Handle second_to_first = harness.connect(second, server, Rights::Call).release_value();
    Handle first_to_first = harness.connect(server, server, Rights::Call).release_value();

    // client -> first -> second: first forwards (1, 1, 20, 300), second sums w1..w3.
    EXPECT_EQ(call(client, to_first, 5, first_to_second), 0);
    EXPECT_EQ(call(client, to_first, 4, 1, 20, 300), 321);

    // client -> first -> second -> first: first is on the stack, so second's call is refused.
    // Tell `second` its downstream is `first` by running its handler as a root.
    {
        auto handler = second.instance->find_export("azoth_handle")->as_function();
        wasm::Value arguments[4] = { wasm::Value::from_i64(5), wasm::Value::from_i64(second_to_first), wasm::Value::from_i64(0),
            wasm::Value::from_i64(0) };
        wasm::Value result[1];
        ASSERT_FALSE(second.context->run(*handler, arguments, result).is_error());
    }
    // first forwards (4) to second, whose op is a forward (4) to first: refused with E_BUSY, which
    // second returns as -7 and first passes on.
    EXPECT_EQ(call(client, to_first, 4, 4, 0, 0), -status_busy);

    // A server calling its own endpoint is re-entry too.
    EXPECT_EQ(call(client, to_first, 5, first_to_first), 0);
    EXPECT_EQ(call(client, to_first, 4, 1, 2, 3), -status_busy);
    EXPECT_EQ(harness.calls.depth(), 0u);
}

TEST_F(ModuleCallTest, CallDepthIsLimited)
{
    // A chain client -> s[0] -> s[1] -> ... ; each forwards with op 4 (forward) until the limit.
    constexpr int chain = ipc::CallStack::max_depth + 1;
    std::vector<Loaded> servers;
    for (int i = 0; i < chain; ++i) {
        std::string name = "chain" + std::to_string(i);
        servers.push_back(harness.load("ipc-server", StringView(name.c_str(), name.size())).release_value());
    }
    for (int i = 0; i + 1 < chain; ++i) {
        Handle next = harness.connect(servers[i], servers[i + 1], Rights::Call).release_value();
        auto handler = servers[i].instance->find_export("azoth_handle")->as_function();
        wasm::Value arguments[4] = { wasm::Value::from_i64(5), wasm::Value::from_i64(next), wasm::Value::from_i64(0), wasm::Value::from_i64(0) };
        wasm::Value result[1];
        ASSERT_FALSE(servers[i].context->run(*handler, arguments, result).is_error());
    }
    Handle head = harness.connect(client, servers[0], Rights::Call).release_value();
    // Every hop forwards op 4 again; the last reachable server's forward is refused (E_EXHAUSTED).
    EXPECT_EQ(call(client, head, 4, 4, 4, 4), -status_exhausted);
    EXPECT_EQ(harness.calls.depth(), 0u);
    for (auto& s : servers)
        EXPECT_FALSE(s.process().is_in_call());
}

TEST_F(ModuleCallTest, HostilePointersGetFaultAndChangeNothing)
{
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();
    EXPECT_EQ(static_cast<i64>(harness.run(client, "rights_at", { endpoint, 0xFFFFFFF0u }).value()), status_fault);
    EXPECT_EQ(static_cast<i64>(harness.run(client, "rights_at", { endpoint, 2 }).value()), status_invalid_argument);
    EXPECT_EQ(static_cast<i64>(harness.run(client, "call_results_at", { endpoint, 0xFFFFFFF8u }).value()), status_fault);
    EXPECT_EQ(static_cast<i64>(harness.run(client, "call_results_at", { endpoint, 0x7FFFFFF8u }).value()), status_fault);
    EXPECT_EQ(call(client, endpoint, 2, 0), 0); // the server never ran: its counter is still 0
}

TEST_F(ModuleCallTest, AModuleWithoutAHandleCannotReachTheObject)
{
    auto outsider = harness.load("ipc-client", "outsider").release_value();
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();
    // The outsider has no handles at all: every number it can make up is refused.
    for (u32 index = 0; index < HandleTable::capacity; index += 7) {
        for (u32 generation = 1; generation < 3; ++generation)
            EXPECT_EQ(call(outsider, HandleTable::encode(index, generation), 1, 1), -status_bad_handle);
    }
    // The client's number means nothing in the outsider's table.
    EXPECT_EQ(call(outsider, endpoint, 1, 1), -status_bad_handle);
    EXPECT_EQ(static_cast<i64>(harness.run(outsider, "derive", { endpoint, static_cast<u32>(Rights::Call) }).value()), status_bad_handle);
    EXPECT_EQ(static_cast<i64>(harness.run(outsider, "revoke", { endpoint }).value()), status_bad_handle);
    EXPECT_EQ(outsider.process().handles().live_count(), 0u);
}

TEST_F(ModuleCallTest, TransferThroughTheAbiNeedsTransferAndAProcessHandle)
{
    Handle endpoint = harness.connect(client, server, Rights::Call | Rights::Transfer).release_value();
    auto other = harness.load("ipc-client", "other").release_value();
    Handle other_process = client.process().handles().install(other.process(), Rights::Write).release_value();
    Handle read_only_process = client.process().handles().install(other.process(), Rights::Read).release_value();

    EXPECT_EQ(static_cast<i64>(harness.run(client, "transfer", { endpoint, read_only_process, static_cast<u32>(Rights::Call), 1 }).value()),
        status_permission_denied);
    EXPECT_EQ(static_cast<i64>(harness.run(client, "transfer", { endpoint, other_process, static_cast<u32>(Rights::Call), 7 }).value()),
        status_invalid_argument);
    ASSERT_EQ(harness.run(client, "transfer", { endpoint, other_process, static_cast<u32>(Rights::Call), 1 }).value(), 0u);
    Handle in_other = static_cast<Handle>(harness.run(client, "last_output", {}).value());
    EXPECT_EQ(call(other, in_other, 1, 2, 3, 4), 9);
    // The copy has only Call: the other module cannot pass it on, even to a process it may write.
    Handle back = other.process().handles().install(client.process(), Rights::Write).release_value();
    EXPECT_EQ(static_cast<i64>(harness.run(other, "transfer", { in_other, back, static_cast<u32>(Rights::Call), 1 }).value()),
        status_permission_denied);
}

TEST_F(ModuleCallTest, ManifestGrantsAreTheOnlyWayInAndEndWithTheLease)
{
    // The supervisor owns the endpoint, publishes it, and grants it to modules by manifest.
    auto supervisor = ProcessObject::create(harness.objects, harness.space, "init").release_value();
    auto endpoint = server.context->create_endpoint().release_value();
    Handle owned = supervisor->handles().install(*endpoint, Rights::All).release_value();
    Handle lease = supervisor->handles().derive(owned, Rights::Call | Rights::Transfer | Rights::Revoke).release_value();
    ObjectDirectory directory;
    ASSERT_FALSE(directory.publish("counter", supervisor->handles(), lease).is_error());

    auto manifest = Manifest::parse("name=client\nhandle=endpoint:counter:call\n").release_value();
    auto granted = directory.grant(manifest, client.process()).release_value();
    ASSERT_EQ(granted.size(), 1u);
    EXPECT_EQ(call(client, granted[0], 1, 10, 20, 30), 60);
    EXPECT_EQ(static_cast<i64>(harness.run(client, "derive", { granted[0], static_cast<u32>(Rights::Call) }).value()),
        status_permission_denied); // the manifest asked for call only

    // A manifest asking for more than the supervisor published is refused whole.
    auto greedy = Manifest::parse("name=outsider\nhandle=endpoint:counter:call+transfer+derive\n").release_value();
    auto outsider = harness.load("ipc-client", "outsider").release_value();
    EXPECT_EQ(directory.grant(greedy, outsider.process()).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(outsider.process().handles().live_count(), 0u);

    // The lease ends: the client's granted handle dies with it.
    EXPECT_EQ(supervisor->handles().revoke(lease).value(), 2u);
    EXPECT_EQ(call(client, granted[0], 1, 10, 20, 30), -status_bad_handle);
    supervisor->terminate();
}

TEST_F(ModuleCallTest, ServerExitMakesEndpointsAnswerNotFound)
{
    Handle endpoint = harness.connect(client, server, Rights::Call).release_value();
    server.process().terminate();
    EXPECT_EQ(call(client, endpoint, 1, 1), -status_not_found);
}

} // namespace
