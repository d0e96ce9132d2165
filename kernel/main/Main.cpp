// kernel_main: the generic boot sequence, the same on every arch.
//
//  1. early console, CPU tables (so any fault from here on is reported), BootInfo check
//  2. physical frames from the memory map, own page tables, boot-services memory reclaimed
//  3. kernel heap, global constructors
//  4. platform interrupts and time (ACPI, interrupt controllers, timer), interrupts on
//  5. PCI discovery (kernel/platform/kernel/KernelPci: `pci: ...` lines), `athanor: ready`; a boot
//     mode of stage Ready named on the command line runs now
//  6. kernel threads and entropy (then the modes of stage Threads), the initrd (then those of stage
//     Initrd); with no mode word, init from the initrd. The modes are a registry (BootMode.h):
//     this image has exactly the modes linked into it.
#include <kernel/arch/Arch.h>
#include <kernel/debug/Panic.h>
#include <kernel/debug/Symbols.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootInfoCheck.h>
#include <kernel/main/BootMode.h>
#include <kernel/main/CommandLine.h>
#include <kernel/main/Kernel.h>
#include <kernel/main/KernelConsole.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/LinearMemoryReservations.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/runtime/CxxRuntime.h>
#include <kernel/initrd/TarArchive.h>
#include <kernel/process/ExecutionTier.h>
#include <kernel/process/Modes.h>
#include <kernel/process/Threads.h>
#include <kernel/platform/kernel/KernelPci.h>
#include <kernel/platform/kernel/KernelRandom.h>

namespace ath {

namespace {

const boot::BootInfo* g_boot_info = nullptr;

// Power-off status besides 0 (success), debug::panic_status and what a boot mode returns.
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

// Runs the mode of `stage` the command line names, if this image has one; it never returns then.
void run_boot_mode(const CommandLine& cmdline, BootStage stage, const initrd::TarArchive* initrd)
{
    if (const BootMode* mode = find_boot_mode(cmdline, stage))
        Arch::power_off(mode->run(initrd));
}

// `bench-boot` (bench/boot/run): the boot benchmark times the default image up to `athanor: ready`.
u8 power_off_when_ready(const initrd::TarArchive*) { return 0; }
ATH_BOOT_MODE(bench_boot, "bench-boot", BootStage::Ready, "power off right after `athanor: ready` (bench/boot/run)",
              power_off_when_ready);

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
    sys::discover_pci(cmdline.has_word("pci-reassign"));
    println("athanor: ready");
    process::choose_execution_tier(cmdline.has_word("tier=compiled"), cmdline.has_word("tier=interp"));

    run_boot_mode(cmdline, BootStage::Ready, nullptr);

    // Modules as processes: threads, entropy and the initrd.
    must("threads", process::init_threads());
    start_console_object();
    if (auto random = sys::init_kernel_random(); random.is_error())
        println("athanor: random_get unavailable: {}", random.error().reason);
    else if (!sys::kernel_random_has_hardware_seed())
        println("athanor: no hardware random generator: random_get is seeded from timing only");
    run_boot_mode(cmdline, BootStage::Threads, nullptr);
    ReadonlyBytes initrd_bytes;
    if (info->initrd && info->initrd_size)
        initrd_bytes = ReadonlyBytes(mm::phys_to_ptr<const u8>(PhysicalAddress(info->initrd)), info->initrd_size);
    auto initrd = initrd::TarArchive::create(initrd_bytes);
    if (initrd.is_error()) {
        println("athanor: initrd unusable: {} (at byte {})", initrd.error().reason, initrd.error().offset);
        if (find_boot_mode(cmdline, BootStage::Initrd))
            Arch::power_off(status_boot_failed);
    } else {
        println("athanor: initrd: {} entries, {} KiB", initrd.value().entry_count(), initrd_bytes.size() >> 10);
        run_boot_mode(cmdline, BootStage::Initrd, &initrd.value());
        if (auto status = process::run_init_mode(initrd.value()); status.has_value())
            Arch::power_off(*status);
    }

    println("athanor: nothing more to do yet; idling (interrupts on)");
    while (true)
        Arch::wait_for_interrupt();
}

} // namespace ath
