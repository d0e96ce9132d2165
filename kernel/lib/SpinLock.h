#pragma once

// A test-and-test-and-set spinlock and a scoped guard that works for any Lockable.
// Interrupt masking is the arch layer's business (it wraps this lock in an IRQ-saving guard).
#include "Assert.h"
#include "Traits.h"

namespace ath {

template<typename L>
concept Lockable = requires(L& lock) {
    lock.lock();
    lock.unlock();
    { lock.try_lock() } -> SameAs<bool>;
};

class SpinLock {
public:
    SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    void lock()
    {
        while (true) {
            if (try_lock())
                return;
            // Spin on a plain load so waiters do not bounce the cache line with writes.
            while (__atomic_load_n(&m_locked, __ATOMIC_RELAXED)) { }
        }
    }
    bool try_lock()
    {
        u32 expected = 0;
        return __atomic_compare_exchange_n(&m_locked, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    }
    void unlock()
    {
        VERIFY(is_locked());
        __atomic_store_n(&m_locked, 0, __ATOMIC_RELEASE);
    }
    bool is_locked() const { return __atomic_load_n(&m_locked, __ATOMIC_RELAXED) != 0; }

private:
    u32 m_locked { 0 };
};

template<typename L>
class [[nodiscard]] ScopedLock {
public:
    explicit ScopedLock(L& lock) : m_lock(lock) { m_lock.lock(); }
    ~ScopedLock() { m_lock.unlock(); }
    ScopedLock(const ScopedLock&) = delete;
    ScopedLock& operator=(const ScopedLock&) = delete;

private:
    L& m_lock;
};

} // namespace ath

namespace ath {
static_assert(Lockable<SpinLock>);
}
