#include <kernel/arch/Arch.h>
#include <kernel/process/KernelWait.h>
#include <kernel/process/Process.h>
#include <kernel/process/Threads.h>

namespace ath::process {

namespace {

constexpr usize bucket_count = 64;
sched::WaitQueue g_buckets[bucket_count];

sched::WaitQueue& bucket_for(const u32* word)
{
    uptr address = reinterpret_cast<uptr>(word);
    return g_buckets[((address >> 2) ^ (address >> 12)) % bucket_count];
}

// This thread runs a handler in the Store of another process that is being killed.
bool in_dying_store()
{
    Process* running = Process::current();
    if (!running)
        return false;
    object::Process* innermost = running->ipc().calls().current();
    return innermost && innermost != running->ipc().object() && innermost->refuses_calls();
}

} // namespace

object::WaitOutcome KernelWaitProvider::wait(const u32* word, u32 expected, u64 deadline_ns)
{
    if (in_dying_store())
        return object::WaitOutcome::Interrupted;
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected)
        return object::WaitOutcome::ValueChanged;
    Optional<u64> deadline;
    if (deadline_ns != object::wait_forever) {
        if (Arch::clock_nanoseconds() >= deadline_ns)
            return object::WaitOutcome::TimedOut;
        deadline = deadline_ns;
    }
    if (!block_on(bucket_for(word), deadline) || in_dying_store())
        return object::WaitOutcome::Interrupted;
    if (deadline.has_value() && Arch::clock_nanoseconds() >= *deadline)
        return object::WaitOutcome::TimedOut;
    return object::WaitOutcome::Woken;
}

void KernelWaitProvider::wait_uninterruptible(const u32* word, u32 expected)
{
    while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == expected)
        (void)block_on(bucket_for(word), {}, /* interruptible */ false);
}

void KernelWaitProvider::wake_all(const u32* word) { process::wake_all(bucket_for(word)); }

void KernelWaitProvider::wake_everyone()
{
    for (auto& bucket : g_buckets)
        process::wake_all(bucket);
}

u64 KernelWaitProvider::now_ns() { return Arch::clock_nanoseconds(); }

KernelWaitProvider& KernelWaitProvider::instance()
{
    static KernelWaitProvider provider;
    return provider;
}

} // namespace ath::process
