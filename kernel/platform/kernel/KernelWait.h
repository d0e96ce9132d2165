#pragma once

// object::WaitProvider on the kernel scheduler: futex-like waiting on a 32-bit word. Waiters sleep
// on one of a fixed set of scheduler wait queues chosen by the word's address (no allocation);
// wake_all wakes that whole queue, so a waiter may wake for another word's sake and re-checks
// (WaitProvider allows spurious returns). Every wait goes through process::wait_until (Threads.h),
// the kernel's one blocking primitive, so the stop rule below ends it: a thread that is being
// killed, or whose call stack holds the Store of a process that is being killed, stops waiting at
// once (WaitOutcome::Interrupted) so it reaches its next safepoint.
//
// Kernel code is not preempted between safepoints (Threads.h) and there is one CPU, so the check
// of *word and the block are one step as far as other threads are concerned; wake_all may also be
// called from interrupt context (the scheduler masks interrupts around its queues).
#include <kernel/object/Waiting.h>

namespace ath::process {

// The dying-Store half of the stop rule (Threads.h must_stop_waiting): the running thread runs a
// migrating call (a handler) in the Store of a process that refuses calls (is being killed or has
// ended) — any Store on its call stack above its root, not only the innermost, so a dying server's
// handler blocked in a nested call into a third server lets go too.
bool current_store_is_dying();
// The innermost Store on the running thread's call stack (the code running now) belongs to a
// process being killed: its next safepoint aborts the call, so the tick raises the preempt word.
bool innermost_store_is_dying();

class KernelWaitProvider final : public object::WaitProvider {
public:
    object::WaitOutcome wait(const u32* word, u32 expected, u64 deadline_ns) override;
    void wake_all(const u32* word) override;
    u64 now_ns() override;

    // Waits while *word == expected and ignores the stop rule (used where a thread must get a
    // resource back before it may unwind, e.g. its own Store after a call into it).
    void wait_uninterruptible(const u32* word, u32 expected);

    static KernelWaitProvider& instance();
};

} // namespace ath::process
