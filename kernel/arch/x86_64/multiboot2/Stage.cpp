// multiboot2_main: the 64-bit half of the multiboot2 entry (Entry.S is the 32-bit half). It runs
// at the kernel's linked addresses on Entry.S's temporary tables and does what the UEFI loader does
// after reading its files, with the loader's own code (boot/uefi): checks the boot information
// (BootInformation.cpp), builds the kernel's first address space (AddressSpace.cpp on the shared
// page-table builder), fills BootInfo, then enters kernel_entry exactly as the UEFI loader does
// (arch::enter_kernel). Nothing after that knows how the machine was booted. Every failure is a
// clear line on COM1 and a power-off with status 2 (the kernel's "boot failed"), never a hang.
#include <boot/uefi/AddressSpace.h>
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/multiboot2/BootInformation.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Format.h>

extern "C" const ath::u8 __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __data_end[], __ksyms_start[], __ksyms_end[], __kernel_end[];
extern "C" void kernel_entry();

namespace ath::multiboot2 {

namespace {

constexpr u64 kernel_load_physical = 0x200000; // linker.ld kernel_load_physical, Entry.S
constexpr u64 identity_limit = 4ULL << 30;     // Entry.S identity-maps the low 4 GiB
constexpr u64 low_memory_end = 1ULL << 20;     // below: BIOS data, EBDA, option ROMs
constexpr u64 kernel_stack_size = 64ULL * 1024;
constexpr u8 status_boot_failed = 2; // kernel/main/Main.cpp
constexpr u64 page = 4096;

[[noreturn]] void fail(StringView what, const Error& error)
{
    if (error.has_offset())
        println("multiboot2: error: {}: {} (at {:#x})", what, error.reason, error.offset);
    else
        println("multiboot2: error: {}: {}", what, error.reason);
    Arch::power_off(status_boot_failed);
}

[[noreturn]] void fail(StringView message)
{
    println("multiboot2: error: {}", message);
    Arch::power_off(status_boot_failed);
}

u64 address_of(const void* pointer) { return reinterpret_cast<u64>(pointer); }

// The entry's own allocations, all kept by the kernel (LoaderData): one run of pages, handed out
// in order and zeroed. Physical addresses are usable directly through Entry.S's identity map.
class BootPages final : public boot::PageAllocator {
public:
    BootPages(u64 base, u64 size) : m_next(base), m_end(base + size) { }

    Result<u64> allocate(u64 bytes)
    {
        u64 size = align_up(bytes, page);
        if (size > m_end - m_next)
            return Error::from(ErrorCode::OutOfMemory, "the entry's boot memory is exhausted");
        u64 physical = m_next;
        m_next += size;
        __builtin_memset(reinterpret_cast<void*>(physical), 0, size);
        return physical;
    }
    Result<u64> allocate_zeroed_page() override { return allocate(page); }
    u64* page_at(u64 physical) override { return reinterpret_cast<u64*>(physical); }

private:
    u64 m_next;
    u64 m_end;
};

struct Span64 {
    u64 base;
    u64 end;
};

bool overlaps(Span64 a, Span64 b) { return a.base < b.end && b.base < a.end; }

// The lowest page-aligned run of `size` bytes in available RAM between 1 MiB and 4 GiB that
// overlaps none of `taken` (the kernel, the modules, the boot information).
Optional<u64> find_free_run(const BootInformation& information, Span<const Span64> taken, u64 size)
{
    Optional<u64> best;
    auto consider = [&](u64 candidate) {
        candidate = align_up(max(candidate, low_memory_end), page);
        u64 end = candidate + size;
        if (end > identity_limit || (best.has_value() && *best <= candidate))
            return;
        bool inside = false;
        for (usize i = 0; i < information.memory_map_count(); ++i) {
            FirmwareRange range = information.memory_map_entry(i);
            inside = inside || (range.type == 1 && range.base <= candidate && end <= range.base + range.size);
        }
        for (const Span64& other : taken)
            inside = inside && !overlaps({ candidate, end }, other);
        if (inside)
            best = candidate;
    };
    for (usize i = 0; i < information.memory_map_count(); ++i)
        consider(information.memory_map_entry(i).base);
    for (const Span64& other : taken)
        consider(other.end);
    return best;
}

// The kernel's segments as linker.ld lays them out, with the permissions it gives them.
boot::KernelImage running_kernel_image()
{
    boot::KernelImage image;
    image.entry = address_of(reinterpret_cast<const void*>(&kernel_entry));
    image.virtual_start = address_of(__kernel_start);
    image.virtual_end = address_of(__kernel_end);
    auto add = [&](const u8* start, const u8* end, bool writable, bool executable) {
        u64 size = address_of(end) - address_of(start);
        if (image.segments.try_append({ address_of(start), size, 0, size, writable, executable }).is_error())
            fail("the kernel image has more segments than the loader takes");
    };
    add(__text_start, __text_end, false, true);
    add(__rodata_start, __rodata_end, false, false);
    add(__data_start, __data_end, true, false);
    add(__ksyms_start, __ksyms_end, false, false);
    return image;
}

// The command line GRUB passes (the words after the kernel's path on the multiboot2 line), held
// to the UEFI loader's rule for cmdline.txt: printable ASCII, trailing blanks dropped.
StringView checked_command_line(StringView text)
{
    usize length = text.length();
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        --length;
    for (usize i = 0; i < length; ++i) {
        if (text[i] < 0x20 || text[i] > 0x7E)
            fail("the command line", Error::at(ErrorCode::Malformed, i, "the command line must be printable ASCII on one line"));
    }
    return text.substring(0, length);
}

} // namespace

extern "C" [[noreturn]] void multiboot2_main(u32 magic, u32 information_physical, u64 start_cycles)
{
    Arch::console_init();
    println("");
    println("multiboot2: Athanor's multiboot2 entry (legacy BIOS)");
    if (magic != loader_magic) {
        println("multiboot2: error: not started by a multiboot2 loader (eax {:#x}, expected {:#x})", magic, loader_magic);
        Arch::power_off(status_boot_failed);
    }
    if (information_physical == 0 || information_physical % 8 != 0)
        fail("the boot information's address is null or not 8-byte aligned");
    auto* information_bytes = reinterpret_cast<const u8*>(u64(information_physical));
    u32 information_size = load_le<u32>(information_bytes);
    if (information_size > max_information_size || u64(information_physical) + information_size > identity_limit)
        fail("the boot information", Error::at(ErrorCode::Malformed, 0, "boot information total size is out of range"));
    auto parsed = BootInformation::parse(ReadonlyBytes(information_bytes, information_size));
    if (parsed.is_error())
        fail("the multiboot2 boot information", parsed.error());
    const BootInformation& information = parsed.value();

    auto initrd = information.module_named("initrd");
    if (!initrd.has_value())
        fail("no module named `initrd` (grub.cfg: module2 /boot/initrd.tar initrd); the kernel needs its initrd");
    u64 initrd_size = initrd->end - initrd->start;
    // A tar archive is a sequence of 512-byte records; anything else cannot be an initrd.
    if (initrd_size == 0 || initrd_size % 512 != 0)
        fail("the initrd module", Error::at(ErrorCode::Malformed, initrd_size, "size is not a multiple of 512 bytes, not a tar archive"));
    if (initrd->start % page != 0)
        fail("the initrd module", Error::at(ErrorCode::Malformed, initrd->start, "the module is not page-aligned (the header asks for it)"));
    StringView cmdline = checked_command_line(information.command_line);

    boot::KernelImage image = running_kernel_image();
    Span64 kernel { kernel_load_physical, kernel_load_physical + image.span_size() };
    Span64 initrd_pages { initrd->start, align_up(initrd->end, page) };

    // What the entry allocates: page tables (identity and direct map in 2 MiB pages at worst, the
    // kernel in 4 KiB pages), BootInfo, the memory map, the command line, the RSDP, the stack.
    u64 direct_map_size = boot::direct_map_size_for(highest_physical_address(information), information.framebuffer);
    u64 gib = direct_map_size >> 30;
    u64 table_pages = 2 * gib + 2 * (gib / 512 + 1) + image.span_size() / (2ULL << 20) + 8;
    constexpr usize kept_count = 3;
    usize map_capacity = memory_map_capacity(information, kept_count);
    u64 boot_memory_size = table_pages * page + page /* BootInfo */ + align_up(map_capacity * sizeof(boot::MemoryRange), page)
        + align_up(cmdline.length() + 1, page) + page /* RSDP */ + kernel_stack_size;

    FixedVector<Span64, max_modules + 2> taken;
    (void)taken.try_append(kernel);
    (void)taken.try_append({ information_physical, u64(information_physical) + information_size });
    for (usize i = 0; i < information.modules.size(); ++i)
        (void)taken.try_append({ align_down(information.modules[i].start, page), align_up(information.modules[i].end, page) });
    auto boot_memory = find_free_run(information, Span<const Span64>(&taken[0], taken.size()), boot_memory_size);
    if (!boot_memory.has_value())
        fail("no free RAM below 4 GiB for the boot tables and stack");
    BootPages pages(*boot_memory, boot_memory_size);

    auto must_allocate = [&](u64 bytes) {
        auto physical = pages.allocate(bytes);
        if (physical.is_error())
            fail("allocating boot memory", physical.error());
        return physical.value();
    };
    u64 info_physical = must_allocate(sizeof(boot::BootInfo));
    u64 map_physical = must_allocate(map_capacity * sizeof(boot::MemoryRange));
    u64 cmdline_physical = must_allocate(cmdline.length() + 1);
    u64 rsdp_physical = must_allocate(page);
    u64 stack_physical = must_allocate(kernel_stack_size);
    __builtin_memcpy(reinterpret_cast<void*>(cmdline_physical), cmdline.characters(), cmdline.length());
    __builtin_memcpy(reinterpret_cast<void*>(rsdp_physical), information.rsdp.data(), information.rsdp.size());

    boot::arch::PagingFeatures features = boot::arch::paging_features();
    auto root = boot::build_kernel_address_space(pages, image, kernel_load_physical, direct_map_size, features);
    if (root.is_error())
        fail("building the kernel's page tables", root.error());

    boot::MemoryRange kept[kept_count] = {
        { kernel.base, kernel.end - kernel.base, boot::MemoryKind::LoaderData, 0 },
        { initrd_pages.base, initrd_pages.end - initrd_pages.base, boot::MemoryKind::LoaderData, 0 },
        { *boot_memory, boot_memory_size, boot::MemoryKind::LoaderData, 0 },
    };
    auto range_count = convert_memory_map(information, Span<const boot::MemoryRange>(kept, kept_count),
                                          Span<boot::MemoryRange>(reinterpret_cast<boot::MemoryRange*>(map_physical), map_capacity));
    if (range_count.is_error())
        fail("the firmware memory map", range_count.error());

    auto* info = reinterpret_cast<boot::BootInfo*>(info_physical);
    info->magic = boot::boot_info_magic;
    info->version = boot::boot_info_version;
    info->size = sizeof(boot::BootInfo);
    info->memory_map = map_physical;
    info->memory_map_count = range_count.value();
    info->kernel_physical_base = kernel_load_physical;
    info->kernel_size = image.span_size();
    info->initrd = initrd->start;
    info->initrd_size = initrd_size;
    info->cmdline = cmdline.is_empty() ? 0 : cmdline_physical;
    info->cmdline_size = cmdline.length();
    info->acpi_rsdp = information.rsdp.is_empty() ? 0 : rsdp_physical;
    info->device_tree = 0;
    info->framebuffer = information.framebuffer;
    info->page_table_root = root.value();
    info->loader_timestamp = start_cycles;
    info->firmware = boot::Firmware::Multiboot2;

    println("multiboot2: kernel {:#x}..{:#x} at {:#x}, initrd {} bytes, cmdline \"{}\"", image.virtual_start,
            image.virtual_end, kernel_load_physical, initrd_size, cmdline);
    if (information.framebuffer.format != boot::PixelFormat::None)
        println("multiboot2: framebuffer {}x{} at {:#x}", information.framebuffer.width, information.framebuffer.height,
                information.framebuffer.base);
    boot::arch::enter_kernel(root.value(), image.entry, boot::direct_map_base + stack_physical + kernel_stack_size,
                             boot::direct_map_base + info_physical, features);
}

} // namespace ath::multiboot2
