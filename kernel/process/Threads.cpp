#include <kernel/arch/Arch.h>
#include <kernel/debug/Panic.h>
#include <kernel/lib/Format.h>
#include <kernel/lib/Placement.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/mm/VirtualRangeAllocator.h>
#include <kernel/platform/kernel/KernelWait.h>
#include <kernel/process/Threads.h>
#include <kernel/platform/kernel/KernelDevices.h>

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

// ---- Kernel stacks with guard pages ----
//
// Every thread stack is its own slot of the kernel stack window (mm/MemoryLayout.h):
//
//   [landing: 4 pages][guard: 1 page, never mapped][stack: thread_stack_size, own frames]
//
// An overflow runs into the guard and faults instead of overwriting whatever lies below. x86_64
// reports that fault on its IST double-fault stack; aarch64 and riscv64 take exceptions on the
// current stack, so their entry code keeps descending (each nested fault pushes its frame lower)
// until it is past the guard — into the landing pages, which are the same four frames mapped in
// every slot (written only by a report that ends in power-off). The frames of a stack go back to
// the frame allocator when the thread is freed; the landing frames are taken once.
constexpr u64 stack_landing_pages = 4;
constexpr u64 stack_landing_size = stack_landing_pages * page_size;
constexpr u64 stack_guard_size = page_size;
constexpr u64 stack_pages = thread_stack_size / page_size;
constexpr u64 stack_slot_size = stack_landing_size + stack_guard_size + thread_stack_size;
static_assert(thread_stack_size % page_size == 0);
// The lowest word of every stack: an overflow that reaches the guard has overwritten it.
constexpr u64 stack_canary = 0x4154484753544b21ull;

alignas(mm::VirtualRangeAllocator) u8 g_stack_window_storage[sizeof(mm::VirtualRangeAllocator)];
mm::VirtualRangeAllocator* g_stack_window = nullptr;
PhysicalAddress g_landing_frames[stack_landing_pages];

ErrorOr init_stack_window()
{
    auto window = TRY(mm::VirtualRangeAllocator::create({ VirtualAddress(mm::kernel_stack_window_base), mm::kernel_stack_window_size }));
    for (auto& frame : g_landing_frames)
        frame = TRY(mm::physical_frames().allocate());
    g_stack_window = new (g_stack_window_storage) mm::VirtualRangeAllocator(move(window));
    return {};
}

u64 slot_of(const u8* stack) { return reinterpret_cast<u64>(stack) - stack_guard_size - stack_landing_size; }

// Unmaps the first `stack_mapped` stack pages and `landing_mapped` landing pages of `slot`, frees
// the stack pages' frames and the slot.
void release_stack_slot(u64 slot, u64 landing_mapped, u64 stack_mapped)
{
    u64 stack = slot + stack_landing_size + stack_guard_size;
    for (u64 i = 0; i < stack_mapped; ++i) {
        VirtualAddress page(stack + i * page_size);
        auto frame = Arch::Mmu::translate(page);
        VERIFY(frame.has_value());
        VERIFY(!Arch::Mmu::unmap(page, 1).is_error());
        VERIFY(!mm::physical_frames().free(*frame).is_error());
    }
    if (landing_mapped)
        VERIFY(!Arch::Mmu::unmap(VirtualAddress(slot), landing_mapped).is_error());
    VERIFY(!g_stack_window->free({ VirtualAddress(slot), stack_slot_size }).is_error());
}

Result<u8*> allocate_stack()
{
    auto slot_range = TRY(g_stack_window->allocate(stack_slot_size));
    u64 slot = slot_range.base.get();
    u64 stack = slot + stack_landing_size + stack_guard_size;
    u64 landing_mapped = 0, stack_mapped = 0;
    auto fail = [&](Error error) -> Result<u8*> {
        release_stack_slot(slot, landing_mapped, stack_mapped);
        return error;
    };
    for (; landing_mapped < stack_landing_pages; ++landing_mapped) {
        auto mapped = Arch::Mmu::map(VirtualAddress(slot + landing_mapped * page_size), g_landing_frames[landing_mapped], 1,
            PageAccess::Read | PageAccess::Write);
        if (mapped.is_error())
            return fail(mapped.release_error());
    }
    for (; stack_mapped < stack_pages; ++stack_mapped) {
        auto frame = mm::physical_frames().allocate();
        if (frame.is_error())
            return fail(frame.release_error());
        auto mapped = Arch::Mmu::map(VirtualAddress(stack + stack_mapped * page_size), frame.value(), 1, PageAccess::Read | PageAccess::Write);
        if (mapped.is_error()) {
            VERIFY(!mm::physical_frames().free(frame.value()).is_error());
            return fail(mapped.release_error());
        }
    }
    *reinterpret_cast<volatile u64*>(stack) = stack_canary;
    return reinterpret_cast<u8*>(stack);
}

void free_stack(u8* stack) { release_stack_slot(slot_of(stack), stack_landing_pages, stack_pages); }

// The fatal-error hook: which thread was running and whether its stack overflowed.
void report_thread_on_fatal_error()
{
    KernelThread* thread = g_current;
    if (!thread || !thread->stack) {
        println("athanor: on the boot thread (no kernel thread was running)");
        return;
    }
    u64 bottom = reinterpret_cast<u64>(thread->stack);
    u64 here = reinterpret_cast<u64>(__builtin_frame_address(0));
    bool below_stack = here < bottom && here >= slot_of(thread->stack);
    bool canary_gone = *reinterpret_cast<volatile u64*>(bottom) != stack_canary;
    println("athanor: in kernel thread '{}' (id {}): stack {:#x}-{:#x}, guard page {:#x}-{:#x}", thread->scheduling.name,
        thread->scheduling.id, bottom, bottom + thread_stack_size, bottom - stack_guard_size, bottom);
    if (below_stack || canary_gone)
        println("athanor: kernel stack overflow: thread '{}' ran into its guard page", thread->scheduling.name);
}

void on_tick(void*)
{
    if (!g_scheduler)
        return;
    u64 now = Arch::clock_nanoseconds();
    g_scheduler->tick(now);
    sys::kernel_devices_tick(); // Timer objects (kernel/object/Timer.h): due deadlines signal their events
    // The watchdog: a thread that must stop gets the flag even when nobody else wants the CPU.
    if (g_current && (g_current->kill_requested || g_current->over_cpu_limit(now) || innermost_store_is_dying()))
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
    free_stack(thread->stack);
    delete thread;
}

} // namespace

ErrorOr init_threads()
{
    if (g_scheduler)
        return {};
    TRY(init_stack_window());
    g_scheduler = new (g_scheduler_storage) sched::Scheduler(time_slice_ns);
    Arch::set_timer_tick_handler(on_tick, nullptr);
    debug::set_fatal_error_hook(report_thread_on_fatal_error);
    return {};
}

Result<KernelThread*> spawn_thread(StringView name, u8 priority, void (*entry)(void*), void* argument)
{
    VERIFY(g_scheduler);
    auto* thread = new (std::nothrow) KernelThread;
    if (!thread)
        return Error::from(ErrorCode::OutOfMemory, "no memory for a thread");
    auto stack = allocate_stack();
    if (stack.is_error()) {
        delete thread;
        return stack.release_error();
    }
    thread->stack = stack.value();
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
        if (g_current->kill_requested || innermost_store_is_dying())
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

bool must_stop_waiting()
{
    return g_current && (g_current->kill_requested || current_store_is_dying());
}

WaitEnd wait_until(sched::WaitQueue* queue, Optional<u64> deadline_ns, Interruptible interruptible)
{
    bool stoppable = interruptible == Interruptible::Yes;
    if (!g_current) {
        // Boot thread (no scheduler loop running): only a pure sleep makes sense here.
        VERIFY(!queue && deadline_ns.has_value());
        while (Arch::clock_nanoseconds() < *deadline_ns)
            Arch::wait_for_interrupt();
        return WaitEnd::TimedOut;
    }
    if (stoppable && must_stop_waiting())
        return WaitEnd::Stopped;
    if (deadline_ns.has_value() && Arch::clock_nanoseconds() >= *deadline_ns)
        return WaitEnd::TimedOut;
    VERIFY(queue || deadline_ns.has_value()); // a wait on nothing until never is a kernel bug
    Arch::disable_interrupts();
    auto parked = queue ? g_scheduler->block(g_current->scheduling, *queue, deadline_ns)
                        : g_scheduler->sleep_until(g_current->scheduling, *deadline_ns);
    Arch::enable_interrupts();
    if (!parked.is_error())
        switch_to_loop();
    if (stoppable && must_stop_waiting())
        return WaitEnd::Stopped;
    if (deadline_ns.has_value() && Arch::clock_nanoseconds() >= *deadline_ns)
        return WaitEnd::TimedOut;
    return WaitEnd::Woken;
}

bool sleep_for(u64 duration_ns)
{
    u64 now = Arch::clock_nanoseconds();
    u64 deadline = duration_ns > ~0ull - now ? ~0ull : now + duration_ns;
    for (;;) {
        WaitEnd end = wait_until(nullptr, deadline);
        if (end == WaitEnd::Stopped)
            return false;
        if (end == WaitEnd::TimedOut)
            return true;
    }
}

void wake_all(sched::WaitQueue& queue)
{
    bool were_enabled = Arch::interrupts_enabled();
    Arch::disable_interrupts();
    g_scheduler->wake_all(queue);
    if (were_enabled)
        Arch::enable_interrupts();
}

void interrupt_wait(KernelThread& thread)
{
    bool were_enabled = Arch::interrupts_enabled();
    Arch::disable_interrupts();
    // cancel_wait changes nothing for a thread that is not sleeping or blocked.
    (void)g_scheduler->cancel_wait(thread.scheduling);
    if (were_enabled)
        Arch::enable_interrupts();
}

void request_kill(KernelThread& thread)
{
    // A sleeper or waiter wakes now and its wait answers Stopped; a runnable thread notices at its
    // next safepoint or wait.
    thread.kill_requested = true;
    interrupt_wait(thread);
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

bool checkpoint()
{
    if (!g_current)
        return true;
    auto must_stop = [] { return must_stop_waiting() || g_current->over_cpu_limit(Arch::clock_nanoseconds()); };
    if (must_stop())
        return false;
    if (*g_scheduler->preempt_flag())
        yield();
    return !must_stop();
}

u64 context_switch_count() { return g_switches; }

} // namespace ath::process
