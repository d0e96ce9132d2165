// The usermode port's loader: what the UEFI loader does for a real machine, done by the Linux
// process for itself before kernel_main. It reserves the kernel's half of the address space
// (boot::kernel_half_base, moved into the user half for this port), makes "physical memory" a
// memfd mapped at the direct map, reads the initrd into it, writes the BootInfo, the memory map and
// the command line there, and records the direct map in software page tables (Mmu.cpp mirrors
// every later change of those tables into the process with mmap). Then nothing after kernel_main
// knows it runs as a process, except through this port's Arch.
//
//   athanor.elf [--memory MIB] [--initrd FILE] [--cmdline TEXT]
#include <boot/BootInfo.h>
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/PageTable.h>
#include <kernel/arch/usermode/Port.h>
#include <kernel/arch/usermode/Linux.h>
#include <kernel/arch/usermode/Usermode.h>
#include <kernel/lib/StringView.h>
#include <kernel/main/BootInfoCheck.h>
#include <kernel/mm/MemoryLayout.h>

extern "C" [[noreturn]] void kernel_main(const ath::boot::BootInfo* info);

namespace ath::usermode {

using namespace linux_abi;

namespace {

// Physical layout of the loader's data (all LoaderData): the null frame, BootInfo, the memory
// map, the command line, a placeholder page standing for the kernel image (which lives in the
// process image, not in this RAM), then the loader's page-table frames, then the initrd.
constexpr u64 boot_info_physical = 0x1000;
constexpr u64 memory_map_physical = 0x2000;
constexpr u64 cmdline_physical = 0x3000;
constexpr u64 image_placeholder_physical = 0x4000; // after the 4 KiB command line
constexpr u64 tables_physical = 0x10000;
constexpr u64 initrd_physical = 0x100000;
constexpr u64 default_memory_mib = 256;
constexpr u64 max_memory_mib = u64(64) * 1024;

// The loader's table frames: bump allocation in [tables_physical, initrd_physical).
struct LoaderTableMemory {
    u64 next = tables_physical;
    Result<u64> allocate_table()
    {
        if (next >= initrd_physical)
            return Error::from(ErrorCode::OutOfMemory, "the loader ran out of page-table frames");
        u64 frame = next;
        next += page_size;
        return frame; // the memfd reads as zero
    }
    u64* table_at(u64 physical) { return mm::phys_to_ptr<u64>(PhysicalAddress(physical)); }
    void publish() const { }
};

void write_text(StringView text) { syscall6(sys_write, 2, reinterpret_cast<long>(text.characters()), static_cast<long>(text.length())); }

[[noreturn]] void fail(const char* what, const char* detail = nullptr)
{
    write_text("athanor (usermode loader): ");
    write_text(what);
    if (detail) {
        write_text(": ");
        write_text(detail);
    }
    write_text("\n");
    syscall6(sys_exit_group, 2);
    __builtin_unreachable();
}

u8* ram_at(u64 physical) { return mm::phys_to_ptr<u8>(PhysicalAddress(physical)); }

// Reads FILE into RAM at `physical`, at most `room` bytes; returns its size.
u64 read_initrd(const char* path, u64 physical, u64 room)
{
    constexpr long at_fdcwd = -100;
    long fd = syscall6(sys_openat, at_fdcwd, reinterpret_cast<long>(path), 0 /* O_RDONLY */);
    if (failed(fd))
        fail("cannot open the initrd", path);
    u64 total = 0;
    while (true) {
        if (total == room)
            fail("the initrd does not fit in the memory given (--memory)", path);
        long got = syscall6(sys_read, fd, reinterpret_cast<long>(ram_at(physical + total)), static_cast<long>(room - total));
        if (failed(got))
            fail("cannot read the initrd", path);
        if (got == 0)
            break;
        total += u64(got);
    }
    syscall6(sys_close, fd);
    if (total == 0)
        fail("the initrd is empty", path);
    return total;
}

} // namespace

extern "C" [[noreturn]] void usermode_boot(u64* initial_stack)
{
    u64 loader_started = Arch::cycle_counter();
    auto argc = static_cast<int>(initial_stack[0]);
    auto** argv = reinterpret_cast<const char**>(initial_stack + 1);

    u64 memory_mib = default_memory_mib;
    const char* initrd_path = nullptr;
    const char* cmdline = "";
    for (int i = 1; i < argc; ++i) {
        bool has_value = i + 1 < argc;
        StringView argument(argv[i]);
        if (argument == "--memory" && has_value) {
            auto value = StringView(argv[++i]).to_u64();
            if (!value.has_value() || *value < 16 || *value > max_memory_mib)
                fail("--memory takes a size in MiB between 16 and 65536");
            memory_mib = *value;
        } else if (argument == "--initrd" && has_value) {
            initrd_path = argv[++i];
        } else if (argument == "--cmdline" && has_value) {
            cmdline = argv[++i];
        } else {
            fail("usage: athanor.elf [--memory MIB] [--initrd FILE] [--cmdline TEXT]; unknown argument", argv[i]);
        }
    }
    usize cmdline_length = StringView(cmdline).length();
    if (cmdline_length > max_cmdline_bytes)
        fail("the command line is longer than the kernel accepts");

    // The kernel's half: reserved whole so that Linux never places anything of its own there.
    long reserved = syscall6(sys_mmap, static_cast<long>(kernel_half_base), static_cast<long>(kernel_half_size), prot_none,
                             map_private | map_anonymous | map_noreserve | map_fixed_noreplace, -1, 0);
    if (failed(reserved) || static_cast<u64>(reserved) != kernel_half_base)
        fail("cannot reserve the kernel's half of the address space");

    u64 memory_bytes = memory_mib << 20;
    long ram = syscall6(sys_memfd_create, reinterpret_cast<long>("athanor-ram"), 0);
    if (failed(ram) || failed(syscall6(sys_ftruncate, ram, static_cast<long>(memory_bytes))))
        fail("cannot create the memory file (memfd_create)");
    long mapped = syscall6(sys_mmap, static_cast<long>(mm::direct_map_base), static_cast<long>(memory_bytes),
                           prot_read | prot_write, map_shared | map_fixed, ram, 0);
    if (failed(mapped))
        fail("cannot map the memory file at the direct map");
    set_ram(static_cast<int>(ram), memory_bytes);

    u64 initrd_size = 0;
    if (initrd_path)
        initrd_size = read_initrd(initrd_path, initrd_physical, memory_bytes / 2);
    u64 loader_end = align_up(initrd_physical + initrd_size, u64(2) << 20);

    auto* ranges = reinterpret_cast<boot::MemoryRange*>(ram_at(memory_map_physical));
    ranges[0] = boot::MemoryRange { 0, loader_end, boot::MemoryKind::LoaderData, 0 };
    ranges[1] = boot::MemoryRange { loader_end, memory_bytes - loader_end, boot::MemoryKind::Usable, 0 };

    for (usize i = 0; i < cmdline_length; ++i)
        ram_at(cmdline_physical)[i] = static_cast<u8>(cmdline[i]);

    // The direct map in software tables, as the UEFI loader's tables hold it.
    LoaderTableMemory table_memory;
    using Tables = paging::PageTable<PageTableFormat, LoaderTableMemory>;
    auto tables = Tables::create(table_memory);
    if (tables.is_error())
        fail("cannot create the loader's page tables");
    u64 data = PageTableFormat::present | PageTableFormat::writable | PageTableFormat::no_execute;
    auto direct = tables.value().map_range(mm::direct_map_base, 0, memory_bytes, 1, paging::Descend::Create,
                                           [&](u64& entry, u64, u64 frame, int level) -> ErrorOr {
                                               entry = PageTableFormat::leaf_entry(frame, data, level);
                                               return {};
                                           });
    if (direct.is_error())
        fail("cannot record the direct map", direct.error().reason);
    set_loader_table_root(tables.value().root());

    auto* info = reinterpret_cast<boot::BootInfo*>(ram_at(boot_info_physical));
    *info = boot::BootInfo {};
    info->magic = boot::boot_info_magic;
    info->version = boot::boot_info_version;
    info->size = sizeof(boot::BootInfo);
    info->memory_map = memory_map_physical;
    info->memory_map_count = 2;
    info->kernel_physical_base = image_placeholder_physical;
    info->kernel_size = page_size;
    info->initrd = initrd_size ? initrd_physical : 0;
    info->initrd_size = initrd_size;
    info->cmdline = cmdline_length ? cmdline_physical : 0;
    info->cmdline_size = cmdline_length;
    info->page_table_root = tables.value().root();
    info->loader_timestamp = loader_started;
    info->firmware = boot::Firmware::LinuxProcess;
    kernel_main(info);
}

} // namespace ath::usermode
