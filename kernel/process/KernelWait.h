#pragma once

// object::WaitProvider on the kernel scheduler: futex-like waiting on a 32-bit word. Waiters sleep
// on one of a fixed set of scheduler wait queues chosen by the word's address (no allocation);
// wake_all wakes that whole queue, so a waiter may wake for another word's sake and re-checks
// (WaitProvider allows spurious returns). Deadlines are the scheduler's. A thread that is being
// killed stops waiting at once (WaitOutcome::Interrupted) so it reaches its next safepoint.
//
// A handler of a server that is being killed, blocked on a caller's thread, stops waiting too
// (Interrupted): the innermost process on that thread's call stack refuses calls.
//
// Kernel code is not preempted between safepoints (Threads.h) and there is one CPU, so the check
// of *word and the block are one step as far as other threads are concerned; wake_all may also be
// called from interrupt context (the scheduler masks interrupts around its queues).
#include <kernel/object/Waiting.h>

namespace ath::process {

class KernelWaitProvider final : public object::WaitProvider {
public:
    object::WaitOutcome wait(const u32* word, u32 expected, u64 deadline_ns) override;
    void wake_all(const u32* word) override;
    u64 now_ns() override;

    // Waits while *word == expected and ignores kill requests (used where a thread must get a
    // resource back before it may unwind, e.g. its own Store after a call into it).
    void wait_uninterruptible(const u32* word, u32 expected);

    // Wakes every waiter (they re-check their words): used when a server is killed, so that a
    // handler blocked inside its Store on a caller's thread sees it (wait() then answers
    // Interrupted for it) and the call can end.
    void wake_everyone();

    static KernelWaitProvider& instance();
};

} // namespace ath::process
