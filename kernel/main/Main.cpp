// kernel_main: the generic boot sequence, the same on every arch.
//
//  1. early console, CPU tables (so any fault from here on is reported), BootInfo check
//  2. physical frames from the memory map, own page tables, boot-services memory reclaimed
//  3. kernel heap, global constructors
//  4. platform interrupts and time (ACPI, interrupt controllers, timer), interrupts on
//  5. `athanor: ready`, then what the command line asks: selftest, panic-test, fault-test,
//     stack-overflow-test, bench-boot; after threads: thread-stack-overflow-test
#include <kernel/arch/Arch.h>
#include <kernel/debug/Panic.h>
#include <kernel/debug/Symbols.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootInfoCheck.h>
#include <kernel/main/CommandLine.h>
#include <kernel/main/Kernel.h>
#include <kernel/main/KernelConsole.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/LinearMemoryReservations.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/runtime/CxxRuntime.h>
#include <kernel/selftest/SelfTest.h>
#include <kernel/initrd/TarArchive.h>
#include <kernel/process/Modes.h>
#include <kernel/process/Threads.h>
#include <kernel/platform/kernel/KernelRandom.h>

namespace ath {

namespace {

const boot::BootInfo* g_boot_info = nullptr;

// Power-off statuses besides 0 (success) and debug::panic_status.
constexpr u8 status_selftest_failed = 1;
constexpr u8 status_boot_failed = 2;

[[noreturn]] void boot_failure(StringView step, const Error& error)
{
    println("athanor: boot failed: {}: {} ({})", step, error.reason, error_code_name(error.code));
    Arch::power_off(status_boot_failed);
}

template<typename T>
T must(StringView step, Result<T>&& result)
{
    if (result.is_error())
        boot_failure(step, result.error());
    return result.release_value();
}
void must(StringView step, ErrorOr&& result)
{
    if (result.is_error())
        boot_failure(step, result.error());
}

[[gnu::noinline]] void panic_on_purpose()
{
    PANIC("panic-test: deliberate panic requested on the command line");
}

// An unhandled CPU exception (no catcher armed): shows the exception report path end to end.
[[gnu::noinline]] void fault_on_purpose()
{
    println("athanor: fault-test: reading from an unmapped address");
    (void)*reinterpret_cast<volatile u64*>(0xDEAD000);
}

} // namespace

const boot::BootInfo& boot_info()
{
    VERIFY(g_boot_info);
    return *g_boot_info;
}

extern "C" [[noreturn]] void kernel_main(const boot::BootInfo* info)
{
    Arch::console_init();
    println("");
    println("athanor: Athanor kernel for {} starting", Arch::name());
    Arch::init_cpu();

    if (info == nullptr || reinterpret_cast<u64>(info) < boot::direct_map_base) {
        println("athanor: boot failed: BootInfo pointer {:#x} is not in the direct map", reinterpret_cast<u64>(info));
        Arch::power_off(status_boot_failed);
    }
    if (!boot::is_compatible(*info)) {
        println("athanor: boot failed: incompatible BootInfo (magic {:#x}, version {}, size {}; expected version {})",
                info->magic, info->version, info->size, boot::boot_info_version);
        Arch::power_off(status_boot_failed);
    }
    must("BootInfo", check_boot_info(*info, [](u64 physical, u64 size) -> const void* {
        // The loader's tables are still live: every page must be mapped in its direct map.
        for (u64 page = align_down(physical, page_size); page < physical + size; page += page_size) {
            if (!Arch::Mmu::translate(VirtualAddress(boot::direct_map_base + page)).has_value())
                return nullptr;
        }
        return mm::phys_to_ptr<const void>(PhysicalAddress(physical));
    }));
    g_boot_info = info;

    // The command line lives in loader memory: copy it before anything is reclaimed.
    StringView raw_cmdline;
    if (info->cmdline && info->cmdline_size)
        raw_cmdline = StringView(mm::phys_to_ptr<const char>(PhysicalAddress(info->cmdline)), info->cmdline_size);
    auto cmdline = must("command line", CommandLine::create(raw_cmdline));
    println("athanor: command line: \"{}\"", cmdline.text());

    must("physical memory", mm::init_physical_memory(*info));
    must("paging", Arch::Mmu::init(*info));
    u64 reclaimed = mm::reclaim_boot_services_memory(*info);
    println("athanor: reclaimed {} KiB of boot-services memory, {} MiB free", reclaimed * page_size >> 10,
            mm::physical_frames().free_count() * page_size >> 20);
    auto framebuffer = attach_framebuffer_console(*info);
    if (framebuffer.is_error())
        println("athanor: no framebuffer console: {}", framebuffer.error().reason);
    else
        println("athanor: framebuffer console {}x{} attached", info->framebuffer.width, info->framebuffer.height);
    must("kernel heap", mm::init_kernel_heap());
    runtime::run_global_constructors();
    must("linear-memory reservations", mm::init_linear_memory_reservations());

    must("platform", Arch::init_platform(*info));
    Arch::enable_interrupts();
    println("athanor: {} symbols in the kernel image", debug::symbol_count());
    println("athanor: ready");

    if (cmdline.has_word("bench-boot"))
        Arch::power_off(0);
    if (cmdline.has_word("panic-test"))
        panic_on_purpose();
    if (cmdline.has_word("fault-test"))
        fault_on_purpose();
    if (cmdline.has_word("stack-overflow-test")) {
        // Unbounded recursion into the boot stack's guard page: the page fault cannot be delivered
        // on the overflowed stack, so the CPU raises a double fault (x86_64: on its own IST stack).
        println("athanor: stack-overflow-test: recursing until the guard page");
        println("athanor: unreachable {}", debug::overflow_stack_on_purpose(0));
    }
    if (cmdline.has_word("selftest")) {
        usize failed = selftest::run_all();
        Arch::power_off(failed == 0 ? 0 : status_selftest_failed);
    }

    // Modules as processes: threads, entropy and the initrd.
    must("threads", process::init_threads());
    if (cmdline.has_word("thread-stack-overflow-test"))
        process::run_thread_stack_overflow_test();
    if (auto random = sys::init_kernel_random(); random.is_error())
        println("athanor: random_get unavailable: {}", random.error().reason);
    else if (!sys::kernel_random_has_hardware_seed())
        println("athanor: no hardware random generator: random_get is seeded from timing only");
    ReadonlyBytes initrd_bytes;
    if (info->initrd && info->initrd_size)
        initrd_bytes = ReadonlyBytes(mm::phys_to_ptr<const u8>(PhysicalAddress(info->initrd)), info->initrd_size);
    auto initrd = initrd::TarArchive::create(initrd_bytes);
    if (initrd.is_error())
        println("athanor: initrd unusable: {} (at byte {})", initrd.error().reason, initrd.error().offset);
    else
        println("athanor: initrd: {} entries, {} KiB", initrd.value().entry_count(), initrd_bytes.size() >> 10);
    if (cmdline.has_word("exec") || cmdline.has_word("spectest") || cmdline.has_word("bench-sched")
        || cmdline.has_word("bench-ipc") || cmdline.has_word("ipc-kill-test") || cmdline.has_word("console-kill-test")) {
        if (initrd.is_error())
            Arch::power_off(status_boot_failed);
        u8 status = cmdline.has_word("exec") ? process::run_exec_mode(initrd.value())
            : cmdline.has_word("spectest")   ? process::run_spectest_mode(initrd.value())
            : cmdline.has_word("bench-ipc")  ? process::run_bench_ipc_mode(initrd.value())
            : cmdline.has_word("ipc-kill-test") ? process::run_ipc_kill_test_mode(initrd.value())
            : cmdline.has_word("console-kill-test") ? process::run_console_kill_test_mode(initrd.value())
                                             : process::run_bench_sched_mode(initrd.value());
        Arch::power_off(status);
    }

    if (!initrd.is_error()) {
        if (auto status = process::run_init_mode(initrd.value()); status.has_value())
            Arch::power_off(*status);
    }

    println("athanor: nothing more to do yet; idling (interrupts on)");
    while (true)
        Arch::wait_for_interrupt();
}

} // namespace ath
