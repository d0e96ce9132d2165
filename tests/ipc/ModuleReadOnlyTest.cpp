// Read-only region mappings (issue #8): a module that maps a region read-only reads it; a store
// into it traps THAT module's call with TrapKind::ReadOnlyWrite, the region's bytes never change,
// the process stays usable and other modules go on. Hosted path: the SIGSEGV handler of
// HostedPageMapper gives the page a private copy-on-write copy and asks the Store to trap.
#include "ModuleHarness.h"

#include <gtest/gtest.h>
#include <kernel/object/Region.h>

using namespace ath;
using namespace ath::object;
using namespace ath::ipc_test;

namespace {

struct ModuleReadOnlyTest : ::testing::Test {
    ModuleHarness harness;
    Loaded client, server;
    RefPtr<Region> region;
    Handle in_client { 0 };
    Handle in_server { 0 };
    Handle endpoint { 0 };

    void SetUp() override
    {
        client = harness.load("ipc-client", "client").release_value();
        server = harness.load("ipc-server", "server").release_value();
        region = Region::create(harness.objects, harness.mapper, 65536).release_value();
        for (usize i = 0; i < 65536; ++i)
            region->kernel_bytes()[i] = static_cast<u8>(i * 7 + 3);
        // Neither module may write the region: read-only mappings only.
        in_client = client.process().handles().install(*region, Rights::Read | Rights::Map).release_value();
        in_server = server.process().handles().install(*region, Rights::Read | Rights::Map).release_value();
        endpoint = harness.connect(client, server, Rights::Call).release_value();
    }

    i64 run(const Loaded& loaded, const char* name, std::initializer_list<u64> arguments)
    {
        auto result = harness.run(loaded, name, arguments);
        EXPECT_FALSE(result.is_error()) << (result.is_error() ? result.error().reason : "");
        return result.is_error() ? INT64_MIN : static_cast<i64>(result.value());
    }

    // The error of a call that must trap.
    Error trap_of(const Loaded& loaded, const char* name, std::initializer_list<u64> arguments)
    {
        auto result = harness.run(loaded, name, arguments);
        EXPECT_TRUE(result.is_error()) << name << " did not trap";
        return result.is_error() ? result.error() : Error::from(ErrorCode::Invalid, "no trap");
    }

    u8 expected(usize i) const { return static_cast<u8>(i * 7 + 3); }

    bool region_intact() const
    {
        for (usize i = 0; i < 65536; ++i) {
            if (region->kernel_bytes()[i] != expected(i))
                return false;
        }
        return true;
    }
};

TEST_F(ModuleReadOnlyTest, StoreIntoReadOnlyMappingTrapsAndLeavesTheRegionUnchanged)
{
    ASSERT_EQ(run(client, "map", { in_client, 0 }), status_ok);
    EXPECT_EQ(run(client, "peek", { 100 }), expected(100));
    EXPECT_EQ(run(client, "peek", { 65535 }), expected(65535));
    u64 copies_before = hosted::HostedPageMapper::read_only_copies();

    // poke stores and returns: no safepoint after the store, so the trap comes when invoke returns.
    Error error = trap_of(client, "poke", { 100, 0x11 });
    EXPECT_EQ(error.code, ErrorCode::Trap);
    EXPECT_EQ(wasm::trap_kind(error), wasm::TrapKind::ReadOnlyWrite) << error.reason;
    EXPECT_STREQ(error.reason, "write to read-only region");
    EXPECT_EQ(hosted::HostedPageMapper::read_only_copies(), copies_before + 1);
    EXPECT_TRUE(region_intact());

    // The process goes on: the trap put the region's page back, reads see the region again, and a
    // second store traps again (the page is read-only again, not left a writable copy).
    EXPECT_EQ(run(client, "peek", { 100 }), expected(100));
    EXPECT_EQ(wasm::trap_kind(trap_of(client, "poke", { 4096 + 5, 0x22 })), wasm::TrapKind::ReadOnlyWrite);
    EXPECT_TRUE(region_intact());
    EXPECT_EQ(run(client, "peek", { 4096 + 5 }), expected(4096 + 5));

    // Unmapping restores private zero pages, which are writable as before.
    ASSERT_EQ(run(client, "unmap", {}), status_ok);
    EXPECT_EQ(run(client, "peek", { 100 }), 0);
    run(client, "poke", { 100, 0x33 });
    EXPECT_EQ(run(client, "peek", { 100 }), 0x33);
    EXPECT_TRUE(region_intact());
}

TEST_F(ModuleReadOnlyTest, AnotherTrapFirstStillRevertsAndLeavesNoTrapForTheNextCall)
{
    ASSERT_EQ(run(client, "map", { in_client, 0 }), status_ok);
    Error error = trap_of(client, "poke_then_trap", { 200, 0x66 });
    EXPECT_EQ(wasm::trap_kind(error), wasm::TrapKind::Unreachable) << error.reason;
    EXPECT_TRUE(region_intact());
    // The request the store made is dropped with the call: the next calls run normally and see the
    // region's bytes again.
    EXPECT_EQ(run(client, "peek", { 200 }), expected(200));
    EXPECT_EQ(run(client, "peek", { 201 }), expected(201));
}

TEST_F(ModuleReadOnlyTest, AnOutParameterInAReadOnlyMappingIsEFaultAndWritesNothing)
{
    // azoth_handle_rights writes its answer through GuestMemory: a pointer into the read-only
    // window is refused before anything changes, like any bad pointer; the module runs on.
    ASSERT_EQ(run(client, "map", { in_client, 0 }), status_ok);
    u32 window = static_cast<u32>(run(client, "window_offset", {}));
    u64 copies_before = hosted::HostedPageMapper::read_only_copies();
    EXPECT_EQ(run(client, "rights_at", { in_client, window + 8 }), status_fault);
    EXPECT_EQ(run(client, "rights_at", { in_client, window + 65532 }), status_fault); // last word
    EXPECT_EQ(hosted::HostedPageMapper::read_only_copies(), copies_before); // not even a fault
    EXPECT_TRUE(region_intact());
    EXPECT_EQ(run(client, "peek", { 8 }), expected(8));
    // Just below the window the same call works.
    EXPECT_EQ(run(client, "rights_at", { in_client, window - 4 }), status_ok);
}

TEST_F(ModuleReadOnlyTest, CallResultsIntoAReadOnlyMappingAreEFaultBeforeTheServerRuns)
{
    // The kernel writes call results only through a writable check (copy out), made before the
    // server runs: a destination in the read-only window is E_FAULT, costs no call and no page copy.
    ASSERT_EQ(run(client, "map", { in_client, 0 }), status_ok);
    u32 window = static_cast<u32>(run(client, "window_offset", {}));
    i64 counter_before = run(client, "call4", { endpoint, 2, 0, 0, 0 });
    u64 copies_before = hosted::HostedPageMapper::read_only_copies();
    EXPECT_EQ(run(client, "call_results_at", { endpoint, window + 64 }), status_fault);
    EXPECT_EQ(hosted::HostedPageMapper::read_only_copies(), copies_before);
    EXPECT_EQ(run(client, "call4", { endpoint, 2, 0, 0, 0 }), counter_before); // the refused call did not run
    EXPECT_TRUE(region_intact());
    EXPECT_EQ(run(client, "peek", { 64 }), expected(64));
}

TEST_F(ModuleReadOnlyTest, AServerStoringIntoItsReadOnlyMappingTrapsTheCallNotTheCaller)
{
    ASSERT_EQ(run(client, "call4", { endpoint, 6, in_server, 0, 0 }), status_ok); // server maps read-only
    ASSERT_EQ(run(client, "map", { in_client, 0 }), status_ok);
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 300, 0, 0 }), expected(300));

    // The handler's store runs on the caller's thread in the server's instance: the server's call
    // traps, the caller gets E_SERVER_TRAPPED and runs on.
    u64 server_traps = server.process().trap_count();
    EXPECT_EQ(run(client, "call4", { endpoint, 8, 300, 0x44, 0 }), -status_server_trapped);
    EXPECT_EQ(server.process().trap_count(), server_traps + 1);
    EXPECT_TRUE(region_intact());
    EXPECT_EQ(run(client, "peek", { 300 }), expected(300));
    // The server keeps serving, and sees the region (not its trapped store).
    EXPECT_EQ(run(client, "call4", { endpoint, 7, 300, 0, 0 }), expected(300));
    EXPECT_EQ(run(client, "call4", { endpoint, 1, 1, 2, 3 }), 6);
}

TEST_F(ModuleReadOnlyTest, WritableMappingsAreUnaffected)
{
    Handle writable = client.process().handles().install(*region, Rights::Read | Rights::Write | Rights::Map).release_value();
    ASSERT_EQ(run(client, "map", { writable, 1 }), status_ok);
    u64 copies_before = hosted::HostedPageMapper::read_only_copies();
    run(client, "poke", { 100, 0x55 });
    EXPECT_EQ(region->kernel_bytes()[100], 0x55);
    EXPECT_EQ(hosted::HostedPageMapper::read_only_copies(), copies_before);
}

} // namespace
