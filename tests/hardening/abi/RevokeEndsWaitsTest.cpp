// Revoking (or closing) a handle ends the waits made through it at once (docs/security.md,
// "Waits and long calls"): an event wait or a channel send/receive blocked in the kernel holds its
// own reference to the object, so before this rule a revoked party went on waiting until its
// deadline (or forever) and could still receive. The waiter re-checks its handle (HeldHandle)
// whenever the object wakes it, and the object wakes its waiters when one of its handles goes.
#include "../../unit/object/ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedWait.h>
#include <kernel/ipc/Channel.h>
#include <kernel/object/Event.h>
#include <kernel/object/HandleTable.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace ath;
using namespace ath::object;

namespace {

constexpr u64 ten_seconds = 10'000'000'000ull;

struct RevokeEndsWaitsTest : ::testing::Test {
    test_support::CountingAllocator allocator;
    hosted::FutexWaitProvider waiting;
    CapabilitySpace space;
    HandleTable grantor { space };
    HandleTable holder { space };

    // Gives `holder` a copy of `root` (revocable by the grantor) and returns it.
    Handle share(Object& object)
    {
        Handle root = grantor.install(object, Rights::All).release_value();
        roots.push_back(root);
        return grantor.transfer(root, holder, Rights::All, TransferMode::Copy).release_value();
    }
    std::vector<Handle> roots;

    static double seconds_since(std::chrono::steady_clock::time_point start)
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
};

TEST_F(RevokeEndsWaitsTest, AnEventWaitEndsWhenItsHandleIsRevoked)
{
    auto event = Event::create(allocator, waiting).release_value();
    Handle mine = share(*event);
    HeldHandle held { &holder, mine, event.get(), Rights::Read };
    std::atomic<bool> waiting_now { false };
    Result<u32> outcome = 0u;
    auto start = std::chrono::steady_clock::now();
    std::thread waiter([&] {
        waiting_now = true;
        outcome = event->wait(1, ten_seconds, held.condition());
    });
    while (!waiting_now)
        std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(grantor.revoke(roots[0]).release_value(), 2u); // the root and the holder's copy
    waiter.join();
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(outcome.error().code, ErrorCode::BadHandle);
    EXPECT_LT(seconds_since(start), 2.0);
}

TEST_F(RevokeEndsWaitsTest, ASignalStillEndsTheWaitWhileTheHandleHolds)
{
    auto event = Event::create(allocator, waiting).release_value();
    Handle mine = share(*event);
    HeldHandle held { &holder, mine, event.get(), Rights::Read };
    std::thread signaller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        event->signal(1);
    });
    auto outcome = event->wait(1, ten_seconds, held.condition());
    signaller.join();
    ASSERT_FALSE(outcome.is_error());
    EXPECT_EQ(outcome.value(), 1u);
}

TEST_F(RevokeEndsWaitsTest, AnotherHandleGoingDoesNotEndTheWait)
{
    auto event = Event::create(allocator, waiting).release_value();
    Handle mine = share(*event);
    Handle other = holder.install(*event, Rights::Read).release_value();
    HeldHandle held { &holder, mine, event.get(), Rights::Read };
    std::thread closer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ASSERT_FALSE(holder.close(other).is_error()); // wakes the waiter: it re-checks and goes on
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        event->signal(2);
    });
    auto outcome = event->wait(2, ten_seconds, held.condition());
    closer.join();
    ASSERT_FALSE(outcome.is_error()) << outcome.error().reason;
    EXPECT_EQ(outcome.value(), 2u);
}

TEST_F(RevokeEndsWaitsTest, AChannelReceiveEndsWhenItsHandleIsRevoked)
{
    hosted::HostedPageMapper mapper;
    auto channel = ipc::Channel::create(allocator, mapper, waiting, 65536, 64).release_value();
    Handle mine = share(*channel);
    HeldHandle held { &holder, mine, channel.get(), Rights::Read };
    u8 buffer[64];
    auto start = std::chrono::steady_clock::now();
    std::thread revoker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        (void)grantor.revoke(roots[0]);
        // A message sent after the revocation must not reach the revoked receiver.
        (void)channel->send(ReadonlyBytes(reinterpret_cast<const u8*>("late"), 4), 0);
    });
    auto outcome = channel->receive(Bytes(buffer, sizeof buffer), ten_seconds, held.condition());
    revoker.join();
    ASSERT_TRUE(outcome.is_error()) << "received " << outcome.value() << " bytes through a revoked handle";
    EXPECT_EQ(outcome.error().code, ErrorCode::BadHandle);
    EXPECT_LT(seconds_since(start), 2.0);
}

TEST_F(RevokeEndsWaitsTest, AChannelSendEndsWhenItsHandleIsClosed)
{
    hosted::HostedPageMapper mapper;
    auto channel = ipc::Channel::create(allocator, mapper, waiting, 4096, 1024).release_value();
    Handle mine = holder.install(*channel, Rights::Write).release_value();
    HeldHandle held { &holder, mine, channel.get(), Rights::Write };
    u8 message[16] = {};
    while (!channel->send(ReadonlyBytes(message, sizeof message), 0).is_error()) { } // fill the ring
    auto start = std::chrono::steady_clock::now();
    std::thread closer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_FALSE(holder.close(mine).is_error());
    });
    auto outcome = channel->send(ReadonlyBytes(message, sizeof message), ten_seconds, held.condition());
    closer.join();
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(outcome.error().code, ErrorCode::BadHandle);
    EXPECT_LT(seconds_since(start), 2.0);
}

} // namespace
