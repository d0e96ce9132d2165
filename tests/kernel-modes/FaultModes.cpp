// Faults on purpose, for the kernel's fatal-error reports (tests/boot/boot-test.py):
//   panic-test                  PANIC: register dump, symbolised backtrace, the panic status
//   fault-test                  an unhandled CPU exception (a read of an unmapped address)
//   stack-overflow-test         the boot stack recurses into its guard page
//   thread-stack-overflow-test  a kernel thread recurses into its guard page; the report names it
// None returns normally: the kernel powers off with the panic status.
#include <kernel/debug/Panic.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootMode.h>
#include <kernel/process/Threads.h>

namespace ath {

namespace {

// Recurses with 512-byte frames until the stack it runs on overflows into its guard page. The
// depth limit is far beyond any kernel stack; it only keeps the compiler from calling the
// recursion infinite.
[[gnu::noinline]] u64 overflow_stack_on_purpose(u64 depth)
{
    volatile u8 frame[512];
    frame[0] = static_cast<u8>(depth);
    if (depth > 1'000'000)
        return frame[0];
    return overflow_stack_on_purpose(depth + 1) + frame[0];
}

[[gnu::noinline]] u8 panic_on_purpose(const initrd::TarArchive*)
{
    PANIC("panic-test: deliberate panic requested on the command line");
}

// No catcher is armed: shows the exception report path end to end.
[[gnu::noinline]] u8 fault_on_purpose(const initrd::TarArchive*)
{
    println("athanor: fault-test: reading from an unmapped address");
    return static_cast<u8>(*reinterpret_cast<volatile u64*>(0xDEAD000));
}

// The page fault cannot be delivered on the overflowed stack, so the CPU raises a double fault
// (x86_64: on its own IST stack).
u8 overflow_boot_stack(const initrd::TarArchive*)
{
    println("athanor: stack-overflow-test: recursing until the guard page");
    println("athanor: unreachable {}", overflow_stack_on_purpose(0));
    return debug::panic_status;
}

u8 overflow_thread_stack(const initrd::TarArchive*)
{
    auto thread = process::spawn_thread(
        "stack-overflow-test", 4, [](void*) { println("athanor: unreachable {}", overflow_stack_on_purpose(0)); }, nullptr);
    if (thread.is_error()) {
        println("athanor: thread-stack-overflow-test: cannot spawn the thread: {}", thread.error().reason);
        return debug::panic_status;
    }
    println("athanor: thread-stack-overflow-test: a kernel thread recurses until its guard page");
    process::run_threads();
    return debug::panic_status;
}

} // namespace

ATH_BOOT_MODE(panic_test, "panic-test", BootStage::Ready, "panic on purpose (tests/boot/boot-test.py panic)",
              panic_on_purpose);
ATH_BOOT_MODE(fault_test, "fault-test", BootStage::Ready, "an unhandled CPU exception on purpose", fault_on_purpose);
ATH_BOOT_MODE(stack_overflow_test, "stack-overflow-test", BootStage::Ready, "overflow the boot stack on purpose",
              overflow_boot_stack);
ATH_BOOT_MODE(thread_stack_overflow_test, "thread-stack-overflow-test", BootStage::Threads,
              "overflow a kernel thread's stack on purpose (tests/boot/boot-test.py thread-stack-overflow)",
              overflow_thread_stack);

} // namespace ath
