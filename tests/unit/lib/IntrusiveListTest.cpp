#include <gtest/gtest.h>
#include <kernel/lib/IntrusiveList.h>

using namespace ath;

namespace {
struct Thread {
    int id;
    IntrusiveListNode run_queue_link;
    IntrusiveListNode wait_link;
};
using RunQueue = IntrusiveList<Thread, &Thread::run_queue_link>;
using WaitQueue = IntrusiveList<Thread, &Thread::wait_link>;
} // namespace

TEST(IntrusiveList, AppendPrependTake)
{
    Thread a { 1, {}, {} }, b { 2, {}, {} }, c { 3, {}, {} };
    RunQueue queue;
    EXPECT_TRUE(queue.is_empty());
    queue.append(b);
    queue.append(c);
    queue.prepend(a);
    EXPECT_EQ(queue.size(), 3u);
    int expected = 1;
    for (auto& t : queue)
        EXPECT_EQ(t.id, expected++);
    EXPECT_EQ(queue.take_first()->id, 1);
    EXPECT_EQ(queue.last()->id, 3);
    queue.remove(c);
    EXPECT_EQ(queue.first()->id, 2);
    EXPECT_EQ(queue.last()->id, 2);
    queue.clear();
    EXPECT_TRUE(queue.is_empty());
    EXPECT_FALSE(a.run_queue_link.is_linked());
}

TEST(IntrusiveList, ElementInTwoListsAndRemoveWhileIterating)
{
    Thread a { 1, {}, {} }, b { 2, {}, {} }, c { 3, {}, {} };
    RunQueue run;
    WaitQueue wait;
    run.append(a);
    run.append(b);
    run.append(c);
    wait.append(b);
    EXPECT_TRUE(run.contains(b));
    EXPECT_TRUE(wait.contains(b));
    EXPECT_FALSE(wait.contains(a));
    for (auto& t : run) {
        if (t.id != 2)
            run.remove(t);
    }
    EXPECT_EQ(run.size(), 1u);
    EXPECT_EQ(run.first()->id, 2);
    run.clear();
    wait.clear();
}

TEST(IntrusiveList, InsertBefore)
{
    Thread a { 1, {}, {} }, b { 2, {}, {} }, c { 3, {}, {} };
    RunQueue queue;
    queue.append(c);
    queue.insert_before(c, a); // new head
    queue.insert_before(c, b); // middle
    int expected = 1;
    for (auto& t : queue)
        EXPECT_EQ(t.id, expected++);
    EXPECT_EQ(queue.size(), 3u);
    EXPECT_EQ(queue.first()->id, 1);
    EXPECT_EQ(queue.last()->id, 3);
    queue.clear();
}

// `misuse(thread, other)` on a thread that is in one queue, with another queue at hand, must stop
// at a VERIFY.
template<typename Misuse>
void expect_misuse_panics(Misuse misuse)
{
    auto run = [&] {
        Thread a { 1, {}, {} };
        RunQueue q1, q2;
        q1.append(a);
        misuse(a, q2);
    };
    EXPECT_DEATH(run(), "VERIFY");
}

TEST(IntrusiveListDeathTest, DoubleInsertPanics)
{
    expect_misuse_panics([](Thread& a, RunQueue& other) { other.append(a); });
}

TEST(IntrusiveListDeathTest, RemoveFromWrongListPanics)
{
    expect_misuse_panics([](Thread& a, RunQueue& other) { other.remove(a); });
}
