#include <kernel/arch/Arch.h>
#include <kernel/platform/kernel/KernelWait.h>
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

} // namespace

bool current_store_is_dying()
{
    Process* running = Process::current();
    if (!running)
        return false;
    ipc::CallStack& calls = running->ipc().calls();
    // Frame 0 is the thread's own process: its kill is the thread's kill request.
    for (u32 i = 1; i < calls.depth(); ++i) {
        object::ProcessObject* store = calls.frame(i);
        if (store && store->refuses_calls())
            return true;
    }
    return false;
}

bool innermost_store_is_dying()
{
    Process* running = Process::current();
    if (!running)
        return false;
    object::ProcessObject* innermost = running->ipc().calls().current();
    return innermost && innermost != running->ipc().object() && innermost->refuses_calls();
}

object::WaitOutcome KernelWaitProvider::wait(const u32* word, u32 expected, u64 deadline_ns)
{
    if (must_stop_waiting())
        return object::WaitOutcome::Interrupted;
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected)
        return object::WaitOutcome::ValueChanged;
    Optional<u64> deadline;
    if (deadline_ns != object::wait_forever)
        deadline = deadline_ns;
    switch (wait_until(&bucket_for(word), deadline)) {
    case WaitEnd::Stopped: return object::WaitOutcome::Interrupted;
    case WaitEnd::TimedOut: return object::WaitOutcome::TimedOut;
    case WaitEnd::Woken: return object::WaitOutcome::Woken;
    }
    return object::WaitOutcome::Woken;
}

void KernelWaitProvider::wait_uninterruptible(const u32* word, u32 expected)
{
    while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == expected)
        (void)wait_until(&bucket_for(word), {}, Interruptible::No);
}

void KernelWaitProvider::wake_all(const u32* word) { process::wake_all(bucket_for(word)); }

u64 KernelWaitProvider::now_ns() { return Arch::clock_nanoseconds(); }

KernelWaitProvider& KernelWaitProvider::instance()
{
    static KernelWaitProvider provider;
    return provider;
}

} // namespace ath::process
