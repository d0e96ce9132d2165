#include <gtest/gtest.h>
#include <thread>
#include <kernel/lib/SpinLock.h>

using namespace ath;

TEST(SpinLock, TryLockAndGuard)
{
    SpinLock lock;
    EXPECT_TRUE(lock.try_lock());
    EXPECT_FALSE(lock.try_lock());
    lock.unlock();
    {
        ScopedLock guard(lock);
        EXPECT_TRUE(lock.is_locked());
    }
    EXPECT_FALSE(lock.is_locked());
}

TEST(SpinLock, MutualExclusionAcrossThreads)
{
    SpinLock lock;
    u64 counter = 0;
    auto work = [&] {
        for (int i = 0; i < 20000; ++i) {
            ScopedLock guard(lock);
            counter = counter + 1;
        }
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    EXPECT_EQ(counter, 40000u);
}

TEST(SpinLockDeathTest, UnlockWithoutLockPanics)
{
    SpinLock lock;
    EXPECT_DEATH(lock.unlock(), "VERIFY");
}
