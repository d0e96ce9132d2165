// The pieces booted IPC adds, tested hosted: the one manifest format (process and capability keys,
// `serves`), ObjectDirectory::grant_one / unpublish, AzothContext's named handles for
// azoth.handle_find, and the CallStack waking whoever waits for a server's Store.
#include "../unit/object/MalformedManifests.h"
#include "../unit/object/ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/platform/hosted/HostedWait.h>
#include <kernel/ipc/Call.h>
#include <kernel/object/Event.h>
#include <kernel/object/ObjectDirectory.h>
#include <kernel/sys/Azoth.h>
#include <kernel/platform/hosted/HostedSupport.h>

using namespace ath;
using namespace ath::object;

namespace {

TEST(OneManifestFormat, ProcessAndCapabilityKeysInOneFile)
{
    auto manifest = Manifest::parse("# a server\nargs = echo --fast\nrestart = on-failure\nmax-restarts = 3\n"
                                    "cpu-limit-ms = 250\npriority = 1\ncapabilities = console  serial-port\n"
                                    "handle = endpoint:log:call\nhandle = process:init:write\nserves = echo\n",
        "echo");
    ASSERT_FALSE(manifest.is_error()) << manifest.error().reason;
    const Manifest& m = manifest.value();
    EXPECT_EQ(m.name, StringView("echo"));
    EXPECT_EQ(m.arguments, StringView("echo --fast"));
    EXPECT_EQ(m.restart, RestartPolicy::OnFailure);
    EXPECT_EQ(m.max_restarts, 3u);
    EXPECT_EQ(m.cpu_limit_ns, 250'000'000u);
    EXPECT_EQ(m.priority, 1);
    EXPECT_TRUE(m.console && m.serial_port && !m.supervisor);
    ASSERT_EQ(m.handles.size(), 2u);
    EXPECT_EQ(m.handles[1].kind, ObjectType::Process);
    EXPECT_EQ(m.handles[1].rights, Rights::Write);
    EXPECT_EQ(m.serves, StringView("echo"));
}

TEST(OneManifestFormat, NameComesFromTheFileAndMustAgree)
{
    EXPECT_EQ(Manifest::parse("", "hello").value().name, StringView("hello"));
    EXPECT_EQ(Manifest::parse("name = hello\n", "hello").value().name, StringView("hello"));
    auto mismatch = Manifest::parse("name = other\n", "hello");
    ASSERT_TRUE(mismatch.is_error());
    EXPECT_EQ(mismatch.error().code, ErrorCode::Malformed);
    EXPECT_TRUE(Manifest::parse("", "").is_error());
    EXPECT_TRUE(Manifest::parse("", "has space").is_error());
}

TEST(OneManifestFormat, BadServesAndNumbersAreMalformedWithOffset)
{
    test_support::expect_malformed_at_offsets({
        { "name=a\nserves = \n", 7 },
        { "name=a\nserves = x y\n", 7 },
        { "name=a\nserves = x\nserves = y\n", 18 },
        { "name=a\npriority = 9\n", 7 },
        { "name=a\ncapabilities = root\n", 7 },
        { "name=a\nrestart = sometimes\n", 7 },
    });
}

struct DirectoryTest : ::testing::Test, test_support::ObjectWorld { };

TEST_F(DirectoryTest, GrantOneNarrowsAndUnpublishKeepsGrantedHandles)
{
    auto kernel = ProcessObject::create(allocator, space, "kernel").release_value();
    auto app = ProcessObject::create(allocator, space, "app").release_value();
    auto event = Event::create(allocator, waiting).release_value();
    Handle published = kernel->handles().install(*event, Rights::All).release_value();
    ObjectDirectory directory;
    ASSERT_FALSE(directory.publish("ticks", kernel->handles(), published).is_error());
    EXPECT_EQ(directory.publish("ticks", kernel->handles(), published).error().code, ErrorCode::AlreadyExists);

    ManifestHandle wanted { ObjectType::Event, "ticks", Rights::Read };
    Handle granted = directory.grant_one(wanted, *app).release_value();
    EXPECT_EQ(app->handles().rights_of(granted).value(), Rights::Read);
    ManifestHandle wrong_kind { ObjectType::Endpoint, "ticks", Rights::Call };
    EXPECT_EQ(directory.grant_one(wrong_kind, *app).error().code, ErrorCode::NotFound); // names are per kind
    ManifestHandle unknown { ObjectType::Event, "nothing", Rights::Read };
    EXPECT_EQ(directory.grant_one(unknown, *app).error().code, ErrorCode::NotFound);
    EXPECT_EQ(app->handles().live_count(), 1u); // refused grants left nothing behind

    ASSERT_FALSE(directory.unpublish(ObjectType::Event, "ticks").is_error());
    EXPECT_EQ(directory.unpublish(ObjectType::Event, "ticks").error().code, ErrorCode::NotFound);
    EXPECT_EQ(directory.grant_one(wanted, *app).error().code, ErrorCode::NotFound);
    EXPECT_FALSE(app->handles().rights_of(granted).is_error()); // the lease outlives the publication
    // ... but revoking the publisher's handle still ends it.
    EXPECT_EQ(kernel->handles().revoke(published).value(), 2u);
    EXPECT_TRUE(app->handles().rights_of(granted).is_error());
    app->terminate();
    kernel->terminate();
}

// The busy path of CallStack::call with a StoreGate (booted: kernel/process/ProcessIpc.cpp keeps
// the real queue): a server held by another thread is waited for through the gate, re-entry is
// refused without it, and the Store is handed over (not freed) when someone else waits for it.
TEST_F(DirectoryTest, CallStackWaitsForABusyServerThroughItsGate)
{
    struct Echo final : CallTarget {
        Result<CallWords> handle(ProcessObject&, const CallWords& message) override { return message; }
    } echo;
    struct Gate final : ipc::StoreGate {
        ErrorOr wait_turn(ProcessObject& server, ipc::CallStack&) override
        {
            ++waits;
            if (refuse)
                return Error::from(ErrorCode::Busy, "cycle");
            if (another_waiter)
                server.set_store_waiters(true); // a third thread queued behind us meanwhile
            return {};
        }
        void hand_over(ProcessObject& server) override
        {
            ++hand_overs;
            EXPECT_TRUE(server.is_in_call()); // still held: the next waiter gets it
        }
        int waits { 0 };
        int hand_overs { 0 };
        bool refuse { false };
        bool another_waiter { false };
    } gate;
    auto client = ProcessObject::create(allocator, space, "client").release_value();
    auto server = ProcessObject::create(allocator, space, "server").release_value();
    auto endpoint = Endpoint::create(allocator, *server, echo).release_value();
    Handle handle = client->handles().install(*endpoint, Rights::Call).release_value();
    Handle to_self = client->handles().install(*Endpoint::create(allocator, *client, echo).release_value(), Rights::Call).release_value();
    ipc::CallStack calls;
    CallWords message { { 1, 2, 3, 4 } };
    calls.enter(*client);
    // How often the calls so far waited through the gate and handed the Store over.
    auto expect_gate = [&](int waits, int hand_overs) {
        EXPECT_EQ(gate.waits, waits);
        EXPECT_EQ(gate.hand_overs, hand_overs);
    };

    // No gate (hosted): a busy server is Busy at once.
    server->set_in_call(true);
    EXPECT_EQ(calls.call(handle, message).error().code, ErrorCode::Busy);

    calls.set_gate(&gate);
    // Free: no waiting, and freed again afterwards.
    server->set_in_call(false);
    EXPECT_EQ(calls.call(handle, message).value().words[3], 4u);
    expect_gate(0, 0);
    EXPECT_FALSE(server->is_in_call());
    // Held by another thread: the call waits through the gate, then runs; nobody else waits, so
    // the Store is free afterwards.
    server->set_in_call(true);
    EXPECT_EQ(calls.call(handle, message).value().words[2], 3u);
    expect_gate(1, 0);
    EXPECT_FALSE(server->is_in_call());
    // Someone queued behind us: leaving hands the Store over instead of freeing it.
    server->set_in_call(true);
    gate.another_waiter = true;
    EXPECT_EQ(calls.call(handle, message).value().words[1], 2u);
    expect_gate(2, 1);
    EXPECT_TRUE(server->has_store_waiters());
    // The gate refuses (the deadlock rule): the call fails, the server did not run.
    server->set_in_call(true);
    gate.refuse = true;
    EXPECT_EQ(calls.call(handle, message).error().code, ErrorCode::Busy);
    expect_gate(3, 1);
    EXPECT_TRUE(server->is_in_call());
    // Re-entry (the caller itself is on this stack) is refused without asking the gate.
    EXPECT_EQ(calls.call(to_self, message).error().code, ErrorCode::Busy);
    expect_gate(3, 1);
    server->set_in_call(false);
    calls.leave();
    client->terminate();
    server->terminate();
}

TEST_F(DirectoryTest, NamedHandlesForHandleFind)
{
    wasm::hosted::MallocAllocator wasm_allocator;
    wasm::Store store(wasm_allocator);
    ipc::CallStack calls;
    sys::AzothEnvironment environment { store, allocator, space, calls, &waiting, nullptr };
    auto* context = sys::AzothContext::create(environment, "app").release_value();
    auto event = Event::create(allocator, waiting).release_value();
    Handle handle = context->process().handles().install(*event, Rights::Read).release_value();
    ASSERT_FALSE(context->name_handle("ticks", handle).is_error());
    EXPECT_EQ(context->find_handle("ticks").value(), handle);
    EXPECT_EQ(context->find_handle("tick").error().code, ErrorCode::NotFound);
    EXPECT_EQ(context->name_handle("", handle).error().code, ErrorCode::InvalidArgument);
    // Hosted (no AzothHost): a closed handle is gone for good.
    ASSERT_FALSE(context->process().handles().close(handle).is_error());
    EXPECT_EQ(context->find_handle("ticks").error().code, ErrorCode::NotFound);
    for (usize i = 1; i < sys::AzothContext::max_named_handles; ++i) {
        char name[8] = { 'n', static_cast<char>('a' + i), 0 };
        ASSERT_FALSE(context->name_handle(StringView(name, 2), handle).is_error());
    }
    EXPECT_EQ(context->name_handle("one-more", handle).error().code, ErrorCode::Exhausted);
    sys::AzothContext::destroy(context);
}

} // namespace
