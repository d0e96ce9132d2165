#include <kernel/arch/Arch.h>
#include <kernel/lib/Format.h>
#include <kernel/lib/Placement.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/process/Threads.h>
#include <kernel/sys/KernelDevices.h>

namespace ath::process {

namespace {

alignas(sched::Scheduler) u8 g_scheduler_storage[sizeof(sched::Scheduler)];
sched::Scheduler* g_scheduler = nullptr;
uptr g_loop_stack_pointer = 0; // the boot thread's, while a spawned thread runs
KernelThread* g_current = nullptr;
KernelThread* g_finished = nullptr; // the last thread that ended, freed by the loop
usize g_live = 0;
u32 g_next_id = 1;
u64 g_switches = 0;

KernelThread* owner_of(sched::Thread* thread) { return static_cast<KernelThread*>(thread->owner); }

void on_tick(void*)
{
    if (!g_scheduler)
        return;
    u64 now = Arch::clock_nanoseconds();
    g_scheduler->tick(now);
    sys::kernel_devices_tick(); // Timer objects (kernel/object/Timer.h): due deadlines signal their events
    // The watchdog: a thread that must stop gets the flag even when nobody else wants the CPU.
    if (g_current && (g_current->kill_requested || g_current->over_cpu_limit(now)))
        *g_scheduler->preempt_flag() = 1;
}

// Back to the scheduling loop; returns when the loop picks this thread again.
void switch_to_loop()
{
    VERIFY(g_current);
    KernelThread* self = g_current;
    Arch::disable_interrupts();
    Arch::switch_stack(&self->saved_stack_pointer, g_loop_stack_pointer);
    Arch::enable_interrupts();
}

[[noreturn]] void thread_main(void* raw)
{
    auto* thread = static_cast<KernelThread*>(raw);
    Arch::enable_interrupts();
    thread->entry(thread->argument);
    Arch::disable_interrupts();
    thread->finished = true;
    g_scheduler->exit(thread->scheduling);
    uptr unused = 0;
    Arch::switch_stack(&unused, g_loop_stack_pointer);
    PANIC("an exited thread was resumed");
}

void free_thread(KernelThread* thread)
{
    kfree(thread->stack);
    delete thread;
}

} // namespace

ErrorOr init_threads()
{
    if (g_scheduler)
        return {};
    g_scheduler = new (g_scheduler_storage) sched::Scheduler(time_slice_ns);
    Arch::set_timer_tick_handler(on_tick, nullptr);
    return {};
}

Result<KernelThread*> spawn_thread(StringView name, u8 priority, void (*entry)(void*), void* argument)
{
    VERIFY(g_scheduler);
    auto* thread = new (std::nothrow) KernelThread;
    if (!thread)
        return Error::from(ErrorCode::OutOfMemory, "no memory for a thread");
    auto stack = kmalloc(thread_stack_size, 16);
    if (stack.is_error()) {
        delete thread;
        return stack.release_error();
    }
    thread->stack = static_cast<u8*>(stack.value());
    thread->entry = entry;
    thread->argument = argument;
    thread->scheduling.id = g_next_id++;
    thread->scheduling.priority = priority;
    thread->scheduling.name = name;
    thread->scheduling.owner = thread;
    thread->saved_stack_pointer = Arch::initial_thread_stack(Bytes(thread->stack, thread_stack_size), thread_main, thread);
    bool were_enabled = Arch::interrupts_enabled();
    Arch::disable_interrupts();
    auto added = g_scheduler->add(thread->scheduling);
    if (!added.is_error())
        ++g_live;
    if (were_enabled)
        Arch::enable_interrupts();
    if (added.is_error()) {
        free_thread(thread);
        return added.release_error();
    }
    return thread;
}

void run_threads()
{
    VERIFY(g_scheduler && !g_current);
    while (true) {
        Arch::disable_interrupts();
        if (g_finished) {
            free_thread(g_finished);
            g_finished = nullptr;
        }
        if (g_live == 0)
            break;
        sched::Thread* next = g_scheduler->pick_next(Arch::clock_nanoseconds());
        if (!next) {
            Arch::wait_for_interrupt(); // sti; hlt: the tick wakes sleepers
            continue;
        }
        g_scheduler->clear_preempt_flag();
        g_current = owner_of(next);
        if (g_current->kill_requested)
            *g_scheduler->preempt_flag() = 1;
        ++g_switches;
        Arch::switch_stack(&g_loop_stack_pointer, g_current->saved_stack_pointer);
        if (g_current->finished) {
            g_finished = g_current;
            --g_live;
        }
        g_current = nullptr;
    }
    Arch::enable_interrupts();
}

usize live_thread_count() { return g_live; }
KernelThread* current_thread() { return g_current; }

void yield()
{
    if (g_current)
        switch_to_loop();
}

void sleep_for(u64 duration_ns)
{
    if (!g_current) {
        // Boot thread (no scheduler loop running): idle until the deadline.
        u64 deadline = Arch::clock_nanoseconds() + duration_ns;
        while (Arch::clock_nanoseconds() < deadline)
            Arch::wait_for_interrupt();
        return;
    }
    if (g_current->kill_requested)
        return;
    Arch::disable_interrupts();
    auto slept = g_scheduler->sleep_until(g_current->scheduling, Arch::clock_nanoseconds() + duration_ns);
    Arch::enable_interrupts();
    if (!slept.is_error())
        switch_to_loop();
}

bool block_on(sched::WaitQueue& queue, Optional<u64> deadline_ns, bool interruptible)
{
    VERIFY(g_current);
    if (g_current->kill_requested && interruptible)
        return false;
    Arch::disable_interrupts();
    auto blocked = g_scheduler->block(g_current->scheduling, queue, deadline_ns);
    Arch::enable_interrupts();
    if (!blocked.is_error())
        switch_to_loop();
    return !g_current->kill_requested;
}

void wake_all(sched::WaitQueue& queue)
{
    bool were_enabled = Arch::interrupts_enabled();
    Arch::disable_interrupts();
    g_scheduler->wake_all(queue);
    if (were_enabled)
        Arch::enable_interrupts();
}

void request_kill(KernelThread& thread)
{
    bool were_enabled = Arch::interrupts_enabled();
    Arch::disable_interrupts();
    thread.kill_requested = true;
    // A sleeper or waiter wakes now; a runnable thread notices at its next safepoint.
    if (thread.scheduling.state == sched::ThreadState::Sleeping || thread.scheduling.state == sched::ThreadState::Blocked)
        g_scheduler->cancel_wait(thread.scheduling);
    if (were_enabled)
        Arch::enable_interrupts();
}

volatile u32* preempt_flag()
{
    VERIFY(g_scheduler);
    return g_scheduler->preempt_flag();
}

bool safepoint()
{
    if (!g_current)
        return true;
    if (g_current->kill_requested || g_current->over_cpu_limit(Arch::clock_nanoseconds()))
        return false;
    yield();
    return !g_current->kill_requested;
}

u64 context_switch_count() { return g_switches; }

} // namespace ath::process
