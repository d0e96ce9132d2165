// The kernel's panic: location and message, a register dump, a symbolised backtrace, power-off.
#include <kernel/arch/Arch.h>
#include <kernel/debug/Backtrace.h>
#include <kernel/debug/Panic.h>
#include <kernel/lib/Assert.h>
#include <kernel/lib/Format.h>

namespace ath {

namespace {
bool g_panicking = false;
debug::FatalErrorHook g_fatal_error_hook = nullptr;
}

[[noreturn]] void panic_at(const char* file, int line, const char* message)
{
    Arch::disable_interrupts();
    if (g_panicking) {
        // A panic while reporting a panic: say so and stop without touching anything else.
        println("athanor: nested panic at {}:{}: {}", file, line, message);
        debug::stop_after_fatal_error();
    }
    g_panicking = true;
    println("");
    println("athanor: PANIC at {}:{}: {}", file, line, message);
    Arch::dump_current_registers();
    println("backtrace:");
    debug::print_backtrace(Arch::current_frame());
    debug::stop_after_fatal_error();
}

namespace debug {

void set_fatal_error_hook(FatalErrorHook hook) { g_fatal_error_hook = hook; }

[[noreturn]] void stop_after_fatal_error()
{
    // Taken before the call: a fault inside the hook ends up here again and goes straight on.
    if (FatalErrorHook hook = g_fatal_error_hook) {
        g_fatal_error_hook = nullptr;
        hook();
    }
    Arch::power_off(panic_status);
}

} // namespace debug

} // namespace ath
