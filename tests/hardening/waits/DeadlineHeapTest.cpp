// Class 6 of issue #14 (timer part): sleepers and timers wait in a deadline heap
// (kernel/sched/DeadlineHeap.h), so n of them cost O(n log n) to fire, not O(n^2).
// Hosted unit tests (labels unit;fault): the heap against a sorted reference, the scheduler's
// sleepers and the TimerQueue with many periodic timers due in one tick (comparisons counted).
#include <gtest/gtest.h>
#include <kernel/object/Timer.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <kernel/sched/DeadlineHeap.h>
#include <kernel/sched/Scheduler.h>
#include <tests/unit/object/ObjectTestSupport.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

namespace ath {
namespace {

struct Item {
    u64 deadline { 0 };
    u32 order { 0 };
    sched::DeadlineNode node;
};
using Heap = sched::DeadlineHeap<Item, &Item::node>;

TEST(DeadlineHeap, TakesInDeadlineOrderWithTiesInArrivalOrder)
{
    std::vector<Item> items(2000);
    std::mt19937_64 random(14);
    Heap heap;
    for (u32 i = 0; i < items.size(); ++i) {
        items[i].deadline = random() % 300; // many ties
        items[i].order = i;
        heap.insert(items[i], items[i].deadline);
    }
    EXPECT_EQ(heap.size(), items.size());
    u64 last_deadline = 0;
    u32 last_order = 0;
    bool first = true;
    while (Item* item = heap.take_first()) {
        EXPECT_FALSE(item->node.is_linked());
        if (!first) {
            ASSERT_LE(last_deadline, item->deadline);
            if (last_deadline == item->deadline)
                ASSERT_LT(last_order, item->order) << "equal deadlines leave in arrival order";
        }
        first = false;
        last_deadline = item->deadline;
        last_order = item->order;
    }
    EXPECT_TRUE(heap.is_empty());
}

TEST(DeadlineHeap, RemovingAnyElementKeepsTheOrderOfTheRest)
{
    std::vector<Item> items(3000);
    std::mt19937_64 random(6);
    Heap heap;
    for (u32 i = 0; i < items.size(); ++i) {
        items[i].deadline = random() % 100000;
        items[i].order = i;
        heap.insert(items[i], items[i].deadline);
    }
    // Interleave removals of random elements with takes of the first, against a reference.
    std::vector<Item*> reference;
    for (auto& item : items)
        reference.push_back(&item);
    auto before = [](Item* a, Item* b) { return a->deadline < b->deadline || (a->deadline == b->deadline && a->order < b->order); };
    std::sort(reference.begin(), reference.end(), before);
    while (!reference.empty()) {
        if (random() % 3 == 0) {
            usize index = random() % reference.size();
            heap.remove(*reference[index]);
            EXPECT_FALSE(reference[index]->node.is_linked());
            reference.erase(reference.begin() + static_cast<long>(index));
        } else {
            ASSERT_EQ(heap.first_deadline(), reference.front()->deadline);
            ASSERT_EQ(heap.take_first(), reference.front());
            reference.erase(reference.begin());
        }
        ASSERT_EQ(heap.size(), reference.size());
    }
    EXPECT_TRUE(heap.is_empty());
}

// The cost bound: n elements in and out take O(n log n) comparisons (a sorted list: ~n^2/2).
u64 n_log_n(u64 n)
{
    u64 log = 0;
    while ((1ull << log) < n)
        ++log;
    return n * log;
}

TEST(DeadlineHeap, SchedulerWakesManySleepersInNLogNComparisons)
{
    constexpr u32 count = 20000;
    std::vector<std::unique_ptr<sched::Thread>> threads;
    sched::Scheduler scheduler(10'000'000);
    std::mt19937_64 random(1);
    for (u32 i = 0; i < count; ++i) {
        threads.push_back(std::make_unique<sched::Thread>());
        threads.back()->id = i + 1;
        ASSERT_FALSE(scheduler.add(*threads.back()).is_error());
    }
    // Each thread runs once and sleeps until a random deadline.
    for (u32 i = 0; i < count; ++i) {
        sched::Thread* next = scheduler.pick_next(0);
        ASSERT_NE(next, nullptr);
        ASSERT_FALSE(scheduler.sleep_until(*next, 1 + random() % 1'000'000).is_error());
    }
    EXPECT_EQ(scheduler.deadline_count(), count);
    // One tick past every deadline wakes them all.
    scheduler.tick(2'000'000);
    EXPECT_EQ(scheduler.deadline_count(), 0u);
    EXPECT_EQ(scheduler.runnable_count(), count);
    u64 comparisons = scheduler.deadline_comparisons();
    std::printf("scheduler: %u sleepers in and out with %llu comparisons (n log n = %llu, a sorted list ~ %llu)\n", count,
        static_cast<unsigned long long>(comparisons), static_cast<unsigned long long>(n_log_n(count)),
        static_cast<unsigned long long>(u64(count) * count / 4));
    EXPECT_LT(comparisons, 3 * n_log_n(count));
}

using wasm::hosted::MallocAllocator;
using object::test_support::NoWaiting;

class ManualClock final : public object::Clock {
public:
    u64 now_ns() override { return now; }
    u64 now { 1'000'000 };
};

TEST(DeadlineHeap, TimerQueueFiresManyPeriodicTimersInOneTickInNLogNComparisons)
{
    constexpr u32 count = 8192;
    MallocAllocator allocator;
    NoWaiting waiting;
    ManualClock clock;
    object::TimerQueue queue(clock);
    auto event = object::Event::create(allocator, waiting);
    ASSERT_FALSE(event.is_error());
    std::vector<object::RefPtr<object::Timer>> timers;
    for (u32 i = 0; i < count; ++i) {
        auto timer = object::Timer::create(allocator, queue);
        ASSERT_FALSE(timer.is_error());
        ASSERT_FALSE(timer.value()->bind(event.value(), 1).is_error());
        // Periods of 1..8 ms, first deadlines spread over the first millisecond.
        ASSERT_FALSE(timer.value()->set(1000 + i * 100, 1'000'000 * (1 + i % 8)).is_error());
        timers.push_back(timer.release_value());
    }
    EXPECT_EQ(queue.armed_count(), count);
    u64 before = queue.comparisons();
    // 2 ms later: every timer is due in the same tick; each fires once and is re-armed.
    clock.now += 2'000'000;
    ASSERT_TRUE(queue.tick());
    u64 comparisons = queue.comparisons() - before;
    for (auto& timer : timers)
        EXPECT_EQ(timer->fire_count(), 1u);
    EXPECT_EQ(queue.armed_count(), count);
    EXPECT_GT(queue.next_deadline(), clock.now);
    std::printf("timers: %u periodic timers fired and re-armed in one tick with %llu comparisons (n log n = %llu, a sorted list ~ %llu)\n",
        count, static_cast<unsigned long long>(comparisons), static_cast<unsigned long long>(n_log_n(count)),
        static_cast<unsigned long long>(u64(count) * count / 2));
    EXPECT_LT(comparisons, 3 * n_log_n(count));
    // Cancelling half of them (any position in the heap) keeps the rest in order.
    for (u32 i = 0; i < count; i += 2)
        EXPECT_TRUE(timers[i]->cancel());
    EXPECT_EQ(queue.armed_count(), count / 2);
    u64 last = 0;
    for (u32 round = 0; round < 10; ++round) {
        u64 next = queue.next_deadline();
        ASSERT_GE(next, last);
        last = next;
        clock.now = next;
        ASSERT_TRUE(queue.tick());
    }
    timers.clear(); // the last reference disarms each timer
    EXPECT_EQ(queue.armed_count(), 0u);
}

} // namespace
} // namespace ath
