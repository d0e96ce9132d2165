// The IPC core without the engine: rings (wrap-around, hostile indices), channels and events
// across threads with timeouts, the call stack rules with native handlers, hosted regions.
#include "../unit/object/ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedWait.h>
#include <kernel/ipc/Call.h>
#include <kernel/ipc/Channel.h>

#include <chrono>
#include <thread>
#include <vector>

using namespace ath;
using namespace ath::object;
using namespace ath::ipc;

namespace {

alignas(8) u8 ring_memory[64 + 8 * 32];

TEST(Ring, WrapsAroundManyTimesInOrder)
{
    auto ring = RingView::format(Bytes(ring_memory, sizeof ring_memory), 32).release_value();
    EXPECT_EQ(ring.slot_count(), 8u);
    u8 out[32];
    u32 next_sent = 0, next_received = 0;
    for (int round = 0; round < 100; ++round) {
        // Fill to the brim, then drain a few: the indices pass the slot count many times.
        while (true) {
            u8 message[4];
            for (int i = 0; i < 4; ++i)
                message[i] = static_cast<u8>(next_sent + i);
            if (!ring.try_send(ReadonlyBytes(message, 4)).value())
                break;
            ++next_sent;
        }
        EXPECT_EQ(ring.pending().value(), 8u);
        for (int i = 0; i < 5; ++i) {
            auto length = ring.try_receive(Bytes(out, sizeof out)).value();
            ASSERT_TRUE(length.has_value());
            ASSERT_EQ(*length, 4u);
            EXPECT_EQ(out[0], static_cast<u8>(next_received));
            EXPECT_EQ(out[3], static_cast<u8>(next_received + 3));
            ++next_received;
        }
    }
    EXPECT_GT(next_sent, 8u * 50);
}

TEST(Ring, RejectsOversizedMessagesAndHostileIndices)
{
    auto ring = RingView::format(Bytes(ring_memory, sizeof ring_memory), 32).release_value();
    u8 big[29] {};
    EXPECT_EQ(ring.try_send(ReadonlyBytes(big, sizeof big)).error().code, ErrorCode::InvalidArgument);
    u8 message[4] = { 1, 2, 3, 4 };
    ASSERT_TRUE(ring.try_send(ReadonlyBytes(message, 4)).value());
    u8 small[2];
    EXPECT_EQ(ring.try_receive(Bytes(small, 2)).error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(ring.pending().value(), 1u); // still there

    // The peer scribbles: a slot length past the slot, then indices far apart.
    u32 bad_length = 1000;
    __builtin_memcpy(ring_memory + 64, &bad_length, 4);
    u8 out[32];
    EXPECT_EQ(ring.try_receive(Bytes(out, sizeof out)).error().code, ErrorCode::Malformed);
    u32 bad_tail = 0x1000;
    __builtin_memcpy(ring_memory + 4, &bad_tail, 4);
    EXPECT_EQ(ring.try_receive(Bytes(out, sizeof out)).error().code, ErrorCode::Malformed);
    EXPECT_EQ(ring.try_send(ReadonlyBytes(message, 4)).error().code, ErrorCode::Malformed);

    // A corrupt header is refused on attach.
    u32 bad_count = 3;
    __builtin_memcpy(ring_memory + 8, &bad_count, 4);
    EXPECT_EQ(RingView::attach(Bytes(ring_memory, sizeof ring_memory)).error().code, ErrorCode::Malformed);
    u32 huge_count = 1u << 20;
    __builtin_memcpy(ring_memory + 8, &huge_count, 4);
    EXPECT_EQ(RingView::attach(Bytes(ring_memory, sizeof ring_memory)).error().code, ErrorCode::Malformed);
}

struct ThreadedTest : ::testing::Test {
    test_support::CountingAllocator allocator;
    hosted::FutexWaitProvider waiter;
    hosted::HostedPageMapper mapper;
};

TEST_F(ThreadedTest, EventWaitTimesOutThenWakesOnSignal)
{
    auto event = Event::create(allocator, waiter).release_value();
    auto start = std::chrono::steady_clock::now();
    auto timed_out = event->wait(1, 20'000'000);
    auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(timed_out.is_error());
    EXPECT_EQ(timed_out.error().code, ErrorCode::TimedOut);
    EXPECT_GE(waited, std::chrono::milliseconds(20));
    EXPECT_LT(waited, std::chrono::seconds(2));
    EXPECT_EQ(event->wait(1, 0).error().code, ErrorCode::TimedOut); // poll
    EXPECT_EQ(event->wait(0, 0).error().code, ErrorCode::InvalidArgument);

    std::thread signaller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        event->signal(0b110);
    });
    auto bits = event->wait(0b010, wait_forever);
    signaller.join();
    ASSERT_FALSE(bits.is_error());
    EXPECT_EQ(bits.value(), 0b010u);
    EXPECT_EQ(event->peek(), 0b100u); // bits outside the mask stay set
}

TEST_F(ThreadedTest, ChannelCarriesThousandsOfMessagesAcrossThreadsInOrder)
{
    auto channel = Channel::create(allocator, mapper, waiter, 4096, 64).release_value();
    constexpr u32 count = 20000; // the ring has 63 slots: it wraps hundreds of times
    std::thread producer([&] {
        for (u32 i = 0; i < count; ++i) {
            u8 message[8];
            __builtin_memcpy(message, &i, 4);
            __builtin_memcpy(message + 4, &i, 4);
            ASSERT_FALSE(channel->send(ReadonlyBytes(message, 8), wait_forever).is_error());
        }
    });
    u8 buffer[64];
    for (u32 i = 0; i < count; ++i) {
        auto length = channel->receive(Bytes(buffer, sizeof buffer), 5'000'000'000ull);
        ASSERT_FALSE(length.is_error()) << i;
        ASSERT_EQ(length.value(), 8u);
        u32 got;
        __builtin_memcpy(&got, buffer, 4);
        ASSERT_EQ(got, i);
    }
    producer.join();
    EXPECT_EQ(channel->ring().pending().value(), 0u);
}

TEST_F(ThreadedTest, ChannelTimeoutsWhenEmptyOrFull)
{
    auto channel = Channel::create(allocator, mapper, waiter, 4096, 1024).release_value();
    EXPECT_EQ(channel->ring().slot_count(), 2u); // (4096 - 64) / 1024 = 3 slots, rounded to a power of two
    u8 buffer[1024];
    auto empty = channel->receive(Bytes(buffer, sizeof buffer), 5'000'000);
    ASSERT_TRUE(empty.is_error());
    EXPECT_EQ(empty.error().code, ErrorCode::TimedOut);
    u8 message[16] {};
    ASSERT_FALSE(channel->send(ReadonlyBytes(message, 16), 0).is_error());
    ASSERT_FALSE(channel->send(ReadonlyBytes(message, 16), 0).is_error());
    auto full = channel->send(ReadonlyBytes(message, 16), 5'000'000);
    ASSERT_TRUE(full.is_error());
    EXPECT_EQ(full.error().code, ErrorCode::TimedOut);
    EXPECT_EQ(Channel::create(allocator, mapper, waiter, 4096, 2048).error().code, ErrorCode::InvalidArgument);
}

// Native handlers for the call-stack rules.
struct NativeServer final : CallTarget {
    CallStack* stack { nullptr };
    Handle forward_to { invalid_handle };
    bool trap { false };
    u32 calls { 0 };

    Result<CallWords> handle(ProcessObject&, const CallWords& message) override
    {
        ++calls;
        if (trap)
            return Error::from(ErrorCode::Trap, "unreachable");
        if (forward_to != invalid_handle) {
            // Like a Wasm server, a nested failure becomes part of the reply, not our own trap.
            auto nested = stack->call(forward_to, message);
            if (nested.is_error())
                return CallWords { { ~0ull, static_cast<u64>(nested.error().code), 0, 0 } };
            return nested.release_value();
        }
        CallWords reply;
        reply.words[0] = message.words[0] + message.words[1] + message.words[2] + message.words[3];
        reply.words[3] = 99;
        return reply;
    }
};

struct CallStackTest : ::testing::Test {
    test_support::CountingAllocator allocator;
    CapabilitySpace space;
    CallStack stack;
    RefPtr<ProcessObject> client = ProcessObject::create(allocator, space, "client").release_value();
    RefPtr<ProcessObject> a = ProcessObject::create(allocator, space, "a").release_value();
    RefPtr<ProcessObject> b = ProcessObject::create(allocator, space, "b").release_value();
    NativeServer server_a, server_b;

    Handle connect(ProcessObject& from, ProcessObject& to, CallTarget& target, Rights rights = Rights::Call)
    {
        auto endpoint = Endpoint::create(allocator, to, target).release_value();
        return from.handles().install(*endpoint, rights).release_value();
    }
    void TearDown() override
    {
        client->terminate();
        a->terminate();
        b->terminate();
    }
};

TEST_F(CallStackTest, CallSwitchesTheCurrentProcessAndBack)
{
    Handle to_a = connect(*client, *a, server_a);
    stack.enter(*client);
    auto reply = stack.call(to_a, CallWords { { 1, 2, 3, 4 } });
    ASSERT_FALSE(reply.is_error());
    EXPECT_EQ(reply.value().words[0], 10u);
    EXPECT_EQ(reply.value().words[3], 99u);
    EXPECT_EQ(stack.current(), client.get());
    stack.leave();
    EXPECT_EQ(stack.call(to_a, {}).error().code, ErrorCode::Invalid); // nobody is running
}

TEST_F(CallStackTest, RightsAndTrapsAndReentry)
{
    Handle no_call = connect(*client, *a, server_a, Rights::Read);
    Handle to_a = connect(*client, *a, server_a);
    Handle a_to_b = connect(*a, *b, server_b);
    Handle b_to_a = connect(*b, *a, server_a);
    stack.enter(*client);
    EXPECT_EQ(stack.call(no_call, {}).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(server_a.calls, 0u);

    server_a.stack = &stack;
    server_a.forward_to = a_to_b;
    EXPECT_EQ(stack.call(to_a, CallWords { { 5, 0, 0, 0 } }).value().words[0], 5u); // client -> a -> b

    server_b.stack = &stack;
    server_b.forward_to = b_to_a;
    auto refused = stack.call(to_a, {}).release_value(); // client -> a -> b -> a: refused inside b
    EXPECT_EQ(refused.words[0], ~0ull);
    EXPECT_EQ(refused.words[1], static_cast<u64>(ErrorCode::Busy));
    EXPECT_FALSE(a->is_in_call());
    EXPECT_FALSE(b->is_in_call());

    server_b.forward_to = invalid_handle;
    server_b.trap = true;
    auto trapped = stack.call(to_a, {}).release_value(); // a sees b's trap as an error value
    EXPECT_EQ(trapped.words[1], static_cast<u64>(ErrorCode::Trap));
    server_a.forward_to = invalid_handle;
    server_a.trap = true;
    EXPECT_EQ(stack.call(to_a, {}).error().code, ErrorCode::Trap);
    EXPECT_EQ(a->trap_count(), 1u);
    server_a.trap = false;
    EXPECT_EQ(b->trap_count(), 1u);
    EXPECT_EQ(stack.depth(), 1u);
    stack.leave();
}

// The call path caches the last endpoint it resolved (CallStack, table epochs): every change to
// the caller's table must be seen by the very next call, exactly as a fresh lookup would.
TEST_F(CallStackTest, CachedEndpointFollowsCloseRevokeAndNarrowing)
{
    stack.enter(*client);
    Handle closed = connect(*client, *a, server_a);
    ASSERT_FALSE(stack.call(closed, {}).is_error()); // cached now
    ASSERT_FALSE(client->handles().close(closed).is_error());
    EXPECT_EQ(stack.call(closed, {}).error().code, ErrorCode::BadHandle);

    Handle narrowed = connect(*client, *a, server_a, Rights::Call | Rights::Transfer);
    ASSERT_FALSE(stack.call(narrowed, {}).is_error());
    // A move into the own table narrows the rights in place (same handle number).
    ASSERT_EQ(client->handles().transfer(narrowed, client->handles(), Rights::Transfer, TransferMode::Move).value(), narrowed);
    EXPECT_EQ(stack.call(narrowed, {}).error().code, ErrorCode::PermissionDenied);

    Handle root = connect(*client, *a, server_a, Rights::Call | Rights::Derive | Rights::Revoke);
    Handle child = client->handles().derive(root, Rights::Call).release_value();
    ASSERT_FALSE(stack.call(child, {}).is_error());
    ASSERT_EQ(client->handles().revoke(root).value(), 2u);
    EXPECT_EQ(stack.call(child, {}).error().code, ErrorCode::BadHandle);
    EXPECT_EQ(stack.call(root, {}).error().code, ErrorCode::BadHandle);

    stack.leave();

    // The same handle number in another table is another handle: after the server's own call
    // through its number has filled the cache, the caller's equal number must not hit it.
    auto p1 = ProcessObject::create(allocator, space, "p1").release_value();
    auto p2 = ProcessObject::create(allocator, space, "p2").release_value();
    NativeServer forwarding;
    Handle to_p2 = connect(*p1, *p2, forwarding);
    Handle read_only = connect(*p1, *b, server_b, Rights::Read);
    (void)connect(*p2, *a, server_a, Rights::Read); // takes the slot that to_p2 has in p1
    Handle callable = connect(*p2, *b, server_b);
    ASSERT_EQ(read_only, callable);
    forwarding.stack = &stack;
    forwarding.forward_to = callable;
    stack.enter(*p1);
    EXPECT_EQ(stack.call(to_p2, CallWords { { 1, 1, 1, 1 } }).value().words[0], 4u); // p1 -> p2 -> b
    EXPECT_EQ(stack.call(read_only, {}).error().code, ErrorCode::PermissionDenied);
    stack.leave();
    p1->terminate();
    p2->terminate();
}

TEST_F(CallStackTest, CacheKeepsNoEndpointAliveAfterTheRun)
{
    int before = allocator.live;
    stack.enter(*client);
    Handle to_a = connect(*client, *a, server_a);
    ASSERT_FALSE(stack.call(to_a, {}).is_error());
    ASSERT_FALSE(client->handles().close(to_a).is_error());
    EXPECT_EQ(allocator.live, before + 1); // the cache still holds the endpoint...
    stack.leave();
    EXPECT_EQ(allocator.live, before); // ...until the root leaves
}

// The server drops the caller's only handle to it while its handler runs, and makes a nested call
// that takes over the cache: the endpoint (and the server) must stay alive until the call returns.
struct ClosingServer final : CallTarget {
    CallStack* stack { nullptr };
    ProcessObject* caller { nullptr };
    Handle close_this { invalid_handle };
    Handle nested { invalid_handle };

    Result<CallWords> handle(ProcessObject&, const CallWords&) override
    {
        EXPECT_FALSE(caller->handles().close(close_this).is_error());
        auto reply = stack->call(nested, CallWords { { 1, 2, 3, 4 } });
        EXPECT_FALSE(reply.is_error());
        return reply;
    }
};

TEST_F(CallStackTest, EndpointStaysPinnedWhileANestedCallReplacesTheCache)
{
    ClosingServer closing;
    stack.enter(*client);
    Handle to_a = connect(*client, *a, closing);
    closing.stack = &stack;
    closing.caller = client.get();
    closing.close_this = to_a;
    closing.nested = connect(*a, *b, server_b);
    auto reply = stack.call(to_a, {});
    ASSERT_FALSE(reply.is_error());
    EXPECT_EQ(reply.value().words[0], 10u);
    EXPECT_FALSE(a->is_in_call());
    EXPECT_EQ(stack.call(to_a, {}).error().code, ErrorCode::BadHandle);
    stack.leave();
}

TEST(HostedRegion, MappingSharesPagesAndUnmapRestoresZeros)
{
    hosted::HostedPageMapper mapper;
    test_support::CountingAllocator allocator;
    auto first = hosted::LinearMemoryReservation::create(1 << 20).release_value();
    auto second = hosted::LinearMemoryReservation::create(1 << 20).release_value();
    ASSERT_FALSE(first.commit(1 << 20).is_error());
    ASSERT_FALSE(second.commit(1 << 20).is_error());
    first.base()[8192] = 0x77; // private data that the mapping replaces
    auto region = Region::create(allocator, mapper, 8192).release_value();
    ASSERT_FALSE(mapper.map(region->pages(), 0, first.base() + 8192, 8192, true).is_error());
    ASSERT_FALSE(mapper.map(region->pages(), 0, second.base() + 65536, 8192, true).is_error());
    EXPECT_EQ(first.base()[8192], 0); // the region's bytes, not the old private ones
    first.base()[8192 + 5] = 42;
    EXPECT_EQ(second.base()[65536 + 5], 42);
    EXPECT_EQ(region->kernel_bytes()[5], 42);
    ASSERT_FALSE(mapper.unmap(first.base() + 8192, 8192).is_error());
    EXPECT_EQ(first.base()[8192 + 5], 0);
    EXPECT_EQ(second.base()[65536 + 5], 42);
    EXPECT_EQ(mapper.map(region->pages(), 0, first.base() + 100, 4096, true).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(mapper.map(region->pages(), 4096, first.base(), 8192, true).error().code, ErrorCode::OutOfRange);
    ASSERT_FALSE(mapper.unmap(second.base() + 65536, 8192).is_error());
}

TEST(HostedRegion, RevocationRacingWithMapAndUnmapLeavesNothingMapped)
{
    // One thread maps and unmaps through a leased handle while another revokes the lease: every
    // round must end with no mapping and the region's pages intact, whoever wins.
    hosted::HostedPageMapper mapper;
    test_support::CountingAllocator allocator;
    CapabilitySpace space;
    auto memory = hosted::LinearMemoryReservation::create(1 << 20).release_value();
    ASSERT_FALSE(memory.commit(1 << 20).is_error());
    auto owner = ProcessObject::create(allocator, space, "owner").release_value();
    auto user = ProcessObject::create(allocator, space, "user").release_value();
    user->attach_memory(&memory, &mapper);
    auto region = Region::create(allocator, mapper, 65536).release_value();
    region->kernel_bytes()[0] = 0x42;
    Handle root = owner->handles().install(*region, Rights::All).release_value();
    int mapped_rounds = 0;
    for (int round = 0; round < 200; ++round) {
        Handle lease = owner->handles().derive(root, Rights::Map | Rights::Read | Rights::Transfer | Rights::Revoke).release_value();
        Handle in_user = owner->handles().transfer(lease, user->handles(), Rights::Map | Rights::Read, TransferMode::Copy).release_value();
        std::thread mapper_thread([&] {
            for (int i = 0; i < 20; ++i) {
                if (user->map_region(in_user, 65536, false).is_error())
                    return;
                ++mapped_rounds;
                (void)user->unmap_region(65536);
            }
        });
        std::this_thread::yield();
        ASSERT_FALSE(owner->handles().revoke(lease).is_error());
        mapper_thread.join();
        ASSERT_EQ(user->mapping_count(), 0u) << round;
        ASSERT_EQ(memory.base()[65536], 0) << round; // private zero pages are back
    }
    EXPECT_GT(mapped_rounds, 0);
    EXPECT_EQ(region->kernel_bytes()[0], 0x42);
    user->terminate();
    owner->terminate();
}

TEST(HostedRegion, BadSizesAreRefused)
{
    hosted::HostedPageMapper mapper;
    test_support::CountingAllocator allocator;
    EXPECT_EQ(Region::create(allocator, mapper, 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(Region::create(allocator, mapper, (1ull << 30) + 1).error().code, ErrorCode::InvalidArgument);
    auto rounded = Region::create(allocator, mapper, 1);
    ASSERT_FALSE(rounded.is_error());
    EXPECT_EQ(rounded.value()->size(), page_size);
}

} // namespace
