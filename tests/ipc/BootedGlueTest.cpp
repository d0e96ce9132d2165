// The pieces booted IPC adds, tested hosted: the one manifest format (process and capability keys,
// `serves`), ObjectDirectory::grant_one / unpublish, AzothContext's named handles for
// azoth.handle_find, and the CallStack waking whoever waits for a server's Store.
#include "../unit/object/ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/arch/hosted/HostedWait.h>
#include <kernel/ipc/Call.h>
#include <kernel/object/Event.h>
#include <kernel/object/Manifest.h>
#include <kernel/sys/Azoth.h>
#include <kernel/wasm/hosted/HostedSupport.h>

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
    struct Case {
        const char* text;
        u64 offset;
    } cases[] = {
        { "name=a\nserves = \n", 7 },
        { "name=a\nserves = x y\n", 7 },
        { "name=a\nserves = x\nserves = y\n", 18 },
        { "name=a\npriority = 9\n", 7 },
        { "name=a\ncapabilities = root\n", 7 },
        { "name=a\nrestart = sometimes\n", 7 },
    };
    for (auto& c : cases) {
        auto manifest = Manifest::parse(c.text);
        ASSERT_TRUE(manifest.is_error()) << c.text;
        EXPECT_EQ(manifest.error().code, ErrorCode::Malformed) << c.text;
        EXPECT_EQ(manifest.error().offset, c.offset) << c.text;
    }
}

class NoWaiting final : public WaitProvider {
public:
    WaitOutcome wait(const u32*, u32, u64) override { return WaitOutcome::TimedOut; }
    void wake_all(const u32* word) override { woken = word; }
    u64 now_ns() override { return 0; }
    const u32* woken { nullptr };
};

struct DirectoryTest : ::testing::Test {
    test_support::CountingAllocator allocator;
    CapabilitySpace space;
    NoWaiting waiting;
};

TEST_F(DirectoryTest, GrantOneNarrowsAndUnpublishKeepsGrantedHandles)
{
    auto kernel = Process::create(allocator, space, "kernel").release_value();
    auto app = Process::create(allocator, space, "app").release_value();
    auto event = Event::create(allocator, waiting).release_value();
    Handle published = kernel->handles().install(*event, Rights::All).release_value();
    ObjectDirectory directory;
    ASSERT_FALSE(directory.publish("ticks", kernel->handles(), published).is_error());
    EXPECT_EQ(directory.publish("ticks", kernel->handles(), published).error().code, ErrorCode::AlreadyExists);

    ManifestHandle wanted { ObjectType::Event, "ticks", Rights::Read };
    Handle granted = directory.grant_one(wanted, *app).release_value();
    EXPECT_EQ(app->handles().rights_of(granted).value(), Rights::Read);
    ManifestHandle wrong_kind { ObjectType::Endpoint, "ticks", Rights::Call };
    EXPECT_EQ(directory.grant_one(wrong_kind, *app).error().code, ErrorCode::InvalidArgument);
    ManifestHandle unknown { ObjectType::Event, "nothing", Rights::Read };
    EXPECT_EQ(directory.grant_one(unknown, *app).error().code, ErrorCode::NotFound);
    EXPECT_EQ(app->handles().live_count(), 1u); // refused grants left nothing behind

    ASSERT_FALSE(directory.unpublish("ticks").is_error());
    EXPECT_EQ(directory.unpublish("ticks").error().code, ErrorCode::NotFound);
    EXPECT_EQ(directory.grant_one(wanted, *app).error().code, ErrorCode::NotFound);
    EXPECT_FALSE(app->handles().rights_of(granted).is_error()); // the lease outlives the publication
    // ... but revoking the publisher's handle still ends it.
    EXPECT_EQ(kernel->handles().revoke(published).value(), 2u);
    EXPECT_TRUE(app->handles().rights_of(granted).is_error());
    app->terminate();
    kernel->terminate();
}

TEST_F(DirectoryTest, CallStackWakesWhoeverWaitsForTheServer)
{
    struct Echo final : CallTarget {
        Result<CallWords> handle(Process&, const CallWords& message) override { return message; }
    } echo;
    auto client = Process::create(allocator, space, "client").release_value();
    auto server = Process::create(allocator, space, "server").release_value();
    auto endpoint = Endpoint::create(allocator, *server, echo).release_value();
    Handle handle = client->handles().install(*endpoint, Rights::Call).release_value();
    ipc::CallStack calls;
    calls.set_waker(&waiting);
    calls.enter(*client);
    CallWords message { { 1, 2, 3, 4 } };
    EXPECT_EQ(calls.call(handle, message).value().words[3], 4u);
    EXPECT_EQ(waiting.woken, server->in_call_word());
    EXPECT_FALSE(server->is_in_call());
    server->set_in_call(true); // its own thread runs it: callers are refused, not queued
    EXPECT_EQ(calls.call(handle, message).error().code, ErrorCode::Busy);
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
