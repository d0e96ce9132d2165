// azboot: the Azoth UEFI loader. Reads the kernel, initrd and command line from the ESP, checks
// the kernel completely before using it, builds the kernel's first address space, leaves the
// firmware and jumps to kernel_entry(BootInfo*). Every failure ends in a clear message and a
// power-off, never a hang.
#include "AddressSpace.h"
#include "Console.h"
#include "ElfImage.h"
#include "FirmwareExit.h"
#include "MemoryMap.h"
#include "Volume.h"

#include <Cpu.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Format.h>

namespace ath::boot {

namespace {

constexpr u64 max_kernel_file_size = 64ULL << 20;
constexpr u64 max_initrd_size = 512ULL << 20;
constexpr u64 max_cmdline_size = 4096;
constexpr u64 kernel_stack_size = 64ULL * 1024;

constexpr uefi::MemoryType kept = uefi::MemoryType::AzothKernelData;

struct KernelPlacement {
    KernelImage image;
    PageRun pages;
};

KernelPlacement load_kernel(BootVolume& volume, uefi::BootServices& services)
{
    constexpr StringView path_name = "\\azoth\\athanor.elf";
    auto file = volume.read(u"\\azoth\\athanor.elf", uefi::MemoryType::LoaderData, max_kernel_file_size);
    if (file.is_error()) {
        if (file.error().code == ErrorCode::NotFound)
            fail("\\azoth\\athanor.elf not found on the boot volume (no kernel to start)");
        fail(path_name, file.error());
    }
    auto image = KernelImage::parse(file.value().bytes(), arch::elf_machine, kernel_virtual_base);
    if (image.is_error())
        fail("\\azoth\\athanor.elf is not a valid Athanor kernel", image.error());
    auto pages = allocate_pages(services, image.value().span_size(), kept);
    if (pages.is_error())
        fail("no memory for the kernel image", pages.error());
    image.value().copy_into(file.value().bytes(), pages.value().bytes().slice(0, image.value().span_size()));
    free_pages(services, file.value().pages);
    return { image.release_value(), pages.release_value() };
}

LoadedFile load_initrd(BootVolume& volume)
{
    auto file = volume.read(u"\\azoth\\initrd.tar", kept, max_initrd_size);
    if (file.is_error()) {
        if (file.error().code == ErrorCode::NotFound)
            fail("\\azoth\\initrd.tar not found on the boot volume (the kernel needs its initrd)");
        fail("\\azoth\\initrd.tar", file.error());
    }
    // A tar archive is a sequence of 512-byte records; anything else cannot be an initrd.
    if (file.value().size == 0 || file.value().size % 512 != 0)
        fail("\\azoth\\initrd.tar", Error::at(ErrorCode::Malformed, file.value().size, "size is not a multiple of 512 bytes, not a tar archive"));
    return file.release_value();
}

// The command line is optional: a missing cmdline.txt means an empty one. Trailing blanks and
// newlines (editors add them) are dropped.
StringView load_cmdline(BootVolume& volume)
{
    auto file = volume.read(u"\\azoth\\cmdline.txt", kept, max_cmdline_size);
    if (file.is_error()) {
        if (file.error().code == ErrorCode::NotFound)
            return {};
        fail("\\azoth\\cmdline.txt", file.error());
    }
    StringView text(file.value().bytes());
    usize length = text.length();
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r' || text[length - 1] == ' ' || text[length - 1] == '\t'))
        --length;
    for (usize i = 0; i < length; ++i) {
        if (text[i] < 0x20 || text[i] > 0x7E)
            fail("\\azoth\\cmdline.txt", Error::at(ErrorCode::Malformed, i, "the command line must be printable ASCII on one line"));
    }
    return text.substring(0, length);
}

Result<u64> highest_physical_memory(uefi::BootServices& services)
{
    MemoryMapBuffers buffers = TRY(reserve_memory_map(services));
    auto snapshot = read_memory_map(services, buffers);
    u64 highest = snapshot.is_error() ? 0 : highest_physical_address(buffers.raw.bytes().slice(0, snapshot.value().size),
                                                                      snapshot.value().descriptor_size);
    release_memory_map(services, buffers);
    if (snapshot.is_error())
        return snapshot.release_error();
    return highest;
}

} // namespace

[[noreturn]] void run(uefi::Handle image, uefi::SystemTable& system, u64 start_cycles)
{
    uefi::BootServices& services = *system.boot_services;
    services.set_watchdog_timer(0, 0, 0, nullptr);
    println("azboot: Azoth UEFI loader");

    auto volume = BootVolume::open(image, services);
    if (volume.is_error())
        fail("the boot volume", volume.error());
    KernelPlacement kernel = load_kernel(volume.value(), services);
    LoadedFile initrd = load_initrd(volume.value());
    StringView cmdline = load_cmdline(volume.value());

    Framebuffer framebuffer = set_up_framebuffer(services);
    u64 acpi_rsdp = find_configuration_table(system, uefi::guids::acpi_20_table);
    if (acpi_rsdp == 0)
        acpi_rsdp = find_configuration_table(system, uefi::guids::acpi_10_table);
    u64 device_tree = find_configuration_table(system, uefi::guids::device_tree);

    auto boot_info_pages = allocate_pages(services, sizeof(BootInfo), kept);
    auto stack = allocate_pages(services, kernel_stack_size, kept);
    if (boot_info_pages.is_error() || stack.is_error())
        fail("no memory for the boot information", boot_info_pages.is_error() ? boot_info_pages.error() : stack.error());

    auto highest = highest_physical_memory(services);
    if (highest.is_error())
        fail("the firmware memory map", highest.error());
    u64 direct_map_size = direct_map_size_for(highest.value(), framebuffer);
    FirmwarePageAllocator table_pages(services);
    arch::PagingFeatures features = arch::paging_features();
    auto root = build_kernel_address_space(table_pages, kernel.image, kernel.pages.physical, direct_map_size, features);
    if (root.is_error())
        fail("building the kernel's page tables", root.error());

    auto* info = reinterpret_cast<BootInfo*>(boot_info_pages.value().physical);
    *info = BootInfo {};
    info->magic = boot_info_magic;
    info->version = boot_info_version;
    info->size = sizeof(BootInfo);
    info->kernel_physical_base = kernel.pages.physical;
    info->kernel_size = kernel.image.span_size();
    info->initrd = initrd.pages.physical;
    info->initrd_size = initrd.size;
    info->cmdline = cmdline.is_empty() ? 0 : reinterpret_cast<u64>(cmdline.characters());
    info->cmdline_size = cmdline.length();
    info->acpi_rsdp = acpi_rsdp;
    info->device_tree = device_tree;
    info->framebuffer = framebuffer;
    info->page_table_root = root.value();
    info->loader_timestamp = start_cycles;
    info->firmware = Firmware::Uefi;

    println("azboot: kernel {:#x}..{:#x} entry {:#x}, initrd {} bytes, cmdline \"{}\"", kernel.image.virtual_start,
            kernel.image.virtual_end, kernel.image.entry, initrd.size, cmdline);
    if (framebuffer.format != PixelFormat::None)
        println("azboot: framebuffer {}x{} at {:#x}", framebuffer.width, framebuffer.height, framebuffer.base);

    // Last words on the firmware console: printing between GetMemoryMap and ExitBootServices
    // could allocate and invalidate the map key.
    println("azboot: leaving the firmware");
    auto buffers = reserve_memory_map(services);
    if (buffers.is_error())
        fail("no memory for the final memory map", buffers.error());
    auto range_count = exit_boot_services(image, services, buffers.value());
    // From here on (even after a failed attempt) the firmware console is off limits; messages go
    // to the arch's serial port and power-off uses the runtime services.
    detach_firmware_console();
    if (range_count.is_error())
        fail("leaving the firmware", range_count.error());
    info->memory_map = buffers.value().ranges.physical;
    info->memory_map_count = range_count.value();

    u64 stack_top = direct_map_base + stack.value().physical + stack.value().pages * uefi::uefi_page_size;
    arch::enter_kernel(root.value(), kernel.image.entry, stack_top, direct_map_base + reinterpret_cast<u64>(info),
                       features);
}

} // namespace ath::boot

extern "C" ath::uefi::Status efi_main(ath::uefi::Handle image, ath::uefi::SystemTable* system)
{
    ath::u64 start_cycles = ath::boot::arch::read_cycle_counter();
    ath::boot::attach_firmware(system);
    ath::boot::run(image, *system, start_cycles);
}
