#include <gtest/gtest.h>

#include <kernel/sched/Scheduler.h>

using namespace ath;
using namespace ath::sched;

namespace {
constexpr u64 slice = 10'000'000; // 10 ms

struct TestThread : Thread {
    TestThread(u32 thread_id, u8 thread_priority)
    {
        id = thread_id;
        priority = thread_priority;
    }
};
} // namespace

TEST(Scheduler, RoundRobinWithinAPriority)
{
    Scheduler scheduler(slice);
    TestThread a(1, 4), b(2, 4), c(3, 4);
    ASSERT_FALSE(scheduler.add(a).is_error());
    ASSERT_FALSE(scheduler.add(b).is_error());
    ASSERT_FALSE(scheduler.add(c).is_error());
    u32 order[6];
    u64 now = 0;
    for (auto& id : order) {
        id = scheduler.pick_next(now)->id;
        now += slice;
    }
    EXPECT_EQ(order[0], 1u);
    EXPECT_EQ(order[1], 2u);
    EXPECT_EQ(order[2], 3u);
    EXPECT_EQ(order[3], 1u);
    EXPECT_EQ(order[5], 3u);
    EXPECT_EQ(a.times_scheduled, 2u);
    EXPECT_EQ(a.cpu_time_ns, 2 * slice);
    scheduler.exit(a);
    scheduler.exit(b);
    scheduler.exit(c);
}

TEST(Scheduler, StrictPriorityAndPreemptFlag)
{
    Scheduler scheduler(slice);
    TestThread low(1, 6), high(2, 1);
    ASSERT_FALSE(scheduler.add(low).is_error());
    EXPECT_EQ(scheduler.pick_next(0), &low);
    EXPECT_FALSE(scheduler.tick(1000)); // alone: no reason to preempt even after its slice
    EXPECT_FALSE(scheduler.tick(slice * 3));
    ASSERT_FALSE(scheduler.add(high).is_error());
    EXPECT_TRUE(scheduler.tick(slice * 3 + 1)); // more urgent work arrived
    EXPECT_EQ(*scheduler.preempt_flag(), 1u);
    EXPECT_EQ(scheduler.pick_next(slice * 3 + 2), &high);
    EXPECT_EQ(*scheduler.preempt_flag(), 0u); // cleared on every switch
    EXPECT_FALSE(scheduler.tick(slice * 10)); // high keeps the CPU while it wants it
    scheduler.exit(high);
    EXPECT_EQ(scheduler.pick_next(slice * 11), &low);
    scheduler.exit(low);
    EXPECT_EQ(scheduler.pick_next(slice * 12), nullptr);
}

TEST(Scheduler, SliceExpiryPreemptsOnlyWhenContended)
{
    Scheduler scheduler(slice);
    TestThread a(1, 4), b(2, 4);
    ASSERT_FALSE(scheduler.add(a).is_error());
    ASSERT_FALSE(scheduler.add(b).is_error());
    EXPECT_EQ(scheduler.pick_next(0), &a);
    EXPECT_FALSE(scheduler.tick(slice - 1));
    EXPECT_TRUE(scheduler.tick(slice));
    EXPECT_EQ(scheduler.pick_next(slice), &b);
    scheduler.exit(a);
    scheduler.exit(b);
}

TEST(Scheduler, SleepersWakeInDeadlineOrder)
{
    Scheduler scheduler(slice);
    TestThread a(1, 4), b(2, 4), c(3, 4);
    for (Thread* t : { &a, &b, &c })
        ASSERT_FALSE(scheduler.add(*t).is_error());
    ASSERT_EQ(scheduler.pick_next(0), &a);
    ASSERT_FALSE(scheduler.sleep_until(a, 300).is_error());
    ASSERT_EQ(scheduler.pick_next(1), &b);
    ASSERT_FALSE(scheduler.sleep_until(b, 100).is_error());
    ASSERT_EQ(scheduler.pick_next(2), &c);
    ASSERT_FALSE(scheduler.sleep_until(c, 200).is_error());
    EXPECT_EQ(scheduler.pick_next(3), nullptr); // everyone asleep: idle
    EXPECT_EQ(*scheduler.next_deadline(), 100u);

    EXPECT_FALSE(scheduler.tick(99));
    EXPECT_TRUE(scheduler.tick(150)); // b wakes; the idle CPU is asked to reschedule
    EXPECT_EQ(b.state, ThreadState::Runnable);
    EXPECT_TRUE(b.woken_by_timeout);
    EXPECT_EQ(*scheduler.next_deadline(), 200u);
    EXPECT_EQ(scheduler.pick_next(150), &b);
    scheduler.tick(1000);
    EXPECT_EQ(a.state, ThreadState::Runnable);
    EXPECT_EQ(c.state, ThreadState::Runnable);
    EXPECT_FALSE(scheduler.next_deadline().has_value());
    for (Thread* t : { &a, &b, &c })
        scheduler.exit(*t);
}

TEST(Scheduler, WaitQueuesAndTimeouts)
{
    Scheduler scheduler(slice);
    WaitQueue queue;
    TestThread a(1, 4), b(2, 4);
    ASSERT_FALSE(scheduler.add(a).is_error());
    ASSERT_FALSE(scheduler.add(b).is_error());
    ASSERT_EQ(scheduler.pick_next(0), &a);
    ASSERT_FALSE(scheduler.block(a, queue).is_error());
    ASSERT_EQ(scheduler.pick_next(1), &b);
    ASSERT_FALSE(scheduler.block(b, queue, u64(500)).is_error());
    EXPECT_EQ(queue.size(), 2u);

    scheduler.tick(600); // b times out and leaves the queue
    EXPECT_EQ(b.state, ThreadState::Runnable);
    EXPECT_TRUE(b.woken_by_timeout);
    EXPECT_EQ(queue.size(), 1u);

    EXPECT_EQ(scheduler.wake_one(queue), 1u); // a woken explicitly
    EXPECT_FALSE(a.woken_by_timeout);
    EXPECT_EQ(scheduler.wake_all(queue), 0u);
    EXPECT_EQ(scheduler.runnable_count(), 2u);
    scheduler.exit(a);
    scheduler.exit(b);
    EXPECT_EQ(scheduler.runnable_count(), 0u);
}

TEST(Scheduler, MisuseIsRefused)
{
    Scheduler scheduler(slice);
    WaitQueue queue;
    TestThread a(1, 4), bad(2, 9);
    EXPECT_EQ(scheduler.add(bad).error().code, ErrorCode::InvalidArgument);
    ASSERT_FALSE(scheduler.add(a).is_error());
    EXPECT_EQ(scheduler.add(a).error().code, ErrorCode::AlreadyExists);
    // a is runnable but not running: it cannot sleep or block.
    EXPECT_TRUE(scheduler.sleep_until(a, 10).is_error());
    EXPECT_TRUE(scheduler.block(a, queue).is_error());
    EXPECT_EQ(scheduler.runnable_count(), 1u);
    scheduler.exit(a);
}

TEST(Scheduler, ExitedWaiterLeavesItsQueue)
{
    Scheduler scheduler(slice);
    WaitQueue queue;
    TestThread a(1, 4);
    ASSERT_FALSE(scheduler.add(a).is_error());
    ASSERT_EQ(scheduler.pick_next(0), &a);
    ASSERT_FALSE(scheduler.block(a, queue, u64(100)).is_error());
    scheduler.exit(a); // killed while waiting (a faulting module)
    EXPECT_TRUE(queue.is_empty());
    EXPECT_FALSE(scheduler.next_deadline().has_value());
    EXPECT_EQ(scheduler.wake_one(queue), 0u);
}

TEST(Scheduler, CancelWaitWakesSleepersAndWaitersOnly)
{
    Scheduler scheduler(slice);
    TestThread sleeper(1, 4), waiter(2, 4), runner(3, 4);
    WaitQueue queue;
    ASSERT_FALSE(scheduler.add(sleeper).is_error());
    ASSERT_FALSE(scheduler.add(waiter).is_error());
    ASSERT_FALSE(scheduler.add(runner).is_error());
    ASSERT_EQ(scheduler.pick_next(0), &sleeper);
    ASSERT_FALSE(scheduler.sleep_until(sleeper, 1'000'000'000).is_error());
    ASSERT_EQ(scheduler.pick_next(0), &waiter);
    ASSERT_FALSE(scheduler.block(waiter, queue, 2'000'000'000ull).is_error());
    ASSERT_EQ(scheduler.pick_next(0), &runner);
    EXPECT_FALSE(scheduler.cancel_wait(runner)); // running: nothing to cancel
    EXPECT_TRUE(scheduler.cancel_wait(sleeper));
    EXPECT_TRUE(scheduler.cancel_wait(waiter));
    EXPECT_TRUE(queue.is_empty());
    EXPECT_FALSE(scheduler.next_deadline().has_value());
    EXPECT_EQ(sleeper.state, ThreadState::Runnable);
    EXPECT_EQ(waiter.state, ThreadState::Runnable);
    EXPECT_FALSE(sleeper.woken_by_timeout);
    EXPECT_FALSE(scheduler.cancel_wait(sleeper)); // already runnable
    scheduler.exit(sleeper);
    scheduler.exit(waiter);
    scheduler.exit(runner);
}
