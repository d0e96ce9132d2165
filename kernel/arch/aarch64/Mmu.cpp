// aarch64 stage-1 translation for the kernel address space (4 KiB granule, 48-bit VAs).
//
// The kernel lives entirely in the upper half (TTBR1_EL1). Mmu::init builds fresh tables instead
// of editing the loader's: the direct map (RAM normal write-back, other ranges Device, never
// executable), the console UART as Device memory, the kernel image with per-section permissions
// (text RX, rodata R, data RW; the page under the boot stack left out as a guard), then switches
// TTBR1 and turns TTBR0 walks off (TCR_EL1.EPD0), so the loader's identity map is gone and any
// lower-half access faults. map/unmap/protect edit these tables with 4 KiB pages, splitting a
// 2 MiB block when a request covers part of it; every multi-page request is checked completely
// before the first entry changes.
//
// Not done (QEMU TCG does not need it; real cores do): break-before-make when a live 2 MiB block
// is split into pages.
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/Pl011.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>

extern "C" const ath::u8 __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __data_end[], __kernel_end[], aarch64_boot_stack_guard[];

namespace ath::aarch64 {

namespace {

namespace pte {
constexpr u64 valid = 1ULL << 0;
constexpr u64 table_or_page = 1ULL << 1; // clear at levels 1-2: a block
constexpr u64 attribute_normal = 0ULL << 2;
constexpr u64 attribute_device = 1ULL << 2;
constexpr u64 attribute_non_cacheable = 2ULL << 2;
constexpr u64 read_only = 1ULL << 7; // AP[2]
constexpr u64 inner_shareable = 3ULL << 8;
constexpr u64 access_flag = 1ULL << 10;
constexpr u64 privileged_no_execute = 1ULL << 53;
constexpr u64 unprivileged_no_execute = 1ULL << 54;
constexpr u64 address_mask = 0x0000FFFFFFFFF000ULL;
}

// MAIR_EL1 slots (the loader's two plus normal non-cacheable for the framebuffer).
constexpr u64 memory_attributes = 0xFF | (0x04 << 8) | (0x44 << 16);
constexpr u64 tcr_disable_ttbr0_walks = 1ULL << 7; // EPD0
constexpr u64 upper_half = 0xFFFF000000000000ULL;
constexpr u64 block_size = 2ULL << 20;

u64 g_root = 0; // physical address of our TTBR1 root (0 until init)
u64 g_table_frames = 0;
TlbShootdownHook g_shootdown_hook = nullptr;

u64* table_at(u64 physical) { return mm::phys_to_ptr<u64>(PhysicalAddress(physical)); }
u64 root() { return g_root ? g_root : (ATH_READ_SYSREG(ttbr1_el1) & pte::address_mask); }

// Level 0 is the root, level 3 holds 4 KiB pages.
u64 index_of(u64 virtual_address, int level) { return (virtual_address >> (39 - 9 * level)) & 0x1FF; }
bool is_block(u64 entry, int level) { return level < 3 && (entry & pte::valid) && !(entry & pte::table_or_page); }

u64 leaf_flags(PageAccess access)
{
    u64 flags = pte::valid | pte::table_or_page | pte::access_flag | pte::inner_shareable | pte::unprivileged_no_execute;
    flags |= has_access(access, PageAccess::Uncached) ? pte::attribute_device : pte::attribute_normal;
    if (!has_access(access, PageAccess::Write))
        flags |= pte::read_only;
    if (!has_access(access, PageAccess::Execute))
        flags |= pte::privileged_no_execute;
    return flags;
}

Result<u64> new_table()
{
    auto frame = TRY(mm::allocate_zeroed_frame());
    ++g_table_frames;
    return frame.get();
}

// Replaces a 2 MiB block by a table of 512 pages with the same translation and attributes.
ErrorOr split_block(u64& entry)
{
    u64 table = TRY(new_table());
    u64 base = entry & pte::address_mask & ~(block_size - 1);
    u64 attributes = entry & ~pte::address_mask;
    u64* entries = table_at(table);
    for (u64 i = 0; i < 512; ++i)
        entries[i] = (base + i * page_size) | attributes | pte::table_or_page;
    data_barrier();
    entry = table | pte::valid | pte::table_or_page;
    return {};
}

// The level-3 entry for `virtual_address`, creating (or splitting) tables on the way when asked.
Result<u64*> walk(u64 virtual_address, bool create)
{
    u64 table = root();
    for (int level = 0; level < 3; ++level) {
        u64& entry = table_at(table)[index_of(virtual_address, level)];
        if (!(entry & pte::valid)) {
            if (!create)
                return Error::from(ErrorCode::NotFound, "address is not mapped");
            entry = TRY(new_table()) | pte::valid | pte::table_or_page;
        } else if (is_block(entry, level)) {
            if (level != 2)
                return Error::from(ErrorCode::Unsupported, "1 GiB blocks are not used by the kernel");
            if (!create)
                return Error::from(ErrorCode::Busy, "address is inside a 2 MiB block");
            TRY(split_block(entry));
        }
        table = entry & pte::address_mask;
    }
    return &table_at(table)[index_of(virtual_address, 3)];
}

// A present translation, including pages inside 2 MiB blocks.
Optional<u64> lookup(u64 virtual_address)
{
    if (virtual_address < upper_half)
        return none;
    u64 table = root();
    for (int level = 0; level <= 3; ++level) {
        u64 entry = table_at(table)[index_of(virtual_address, level)];
        if (!(entry & pte::valid))
            return none;
        if (is_block(entry, level)) {
            u64 size = u64(1) << (39 - 9 * level);
            return (entry & pte::address_mask & ~(size - 1)) + (virtual_address & (size - 1));
        }
        if (level == 3)
            return (entry & pte::address_mask) + (virtual_address & (page_size - 1));
        table = entry & pte::address_mask;
    }
    return none;
}

ErrorOr check_range(VirtualAddress base, u64 page_count)
{
    if (!base.is_aligned(page_size))
        return Error::from(ErrorCode::InvalidArgument, "virtual address is not page-aligned");
    auto bytes = checked_mul(page_count, page_size);
    if (page_count == 0 || !bytes.has_value() || !checked_add(base.get(), *bytes - 1).has_value())
        return Error::from(ErrorCode::InvalidArgument, "bad page count");
    if (base.get() < upper_half)
        return Error::from(ErrorCode::InvalidArgument, "range is not in the kernel (TTBR1) half");
    return {};
}

// Boot-time mapping into the new root (which is not live yet): 2 MiB blocks where aligned.
ErrorOr map_boot_range(u64 virtual_address, u64 physical, u64 size, u64 flags)
{
    u64 end = physical + size;
    while (physical < end) {
        bool can_use_block = (physical % block_size == 0) && (virtual_address % block_size == 0)
            && end - physical >= block_size;
        if (can_use_block) {
            u64 table = g_root;
            for (int level = 0; level < 2; ++level) {
                u64& entry = table_at(table)[index_of(virtual_address, level)];
                if (!(entry & pte::valid))
                    entry = TRY(new_table()) | pte::valid | pte::table_or_page;
                table = entry & pte::address_mask;
            }
            u64& entry = table_at(table)[index_of(virtual_address, 2)];
            if (!(entry & pte::valid))
                entry = physical | (flags & ~pte::table_or_page);
            physical += block_size;
            virtual_address += block_size;
            continue;
        }
        u64* entry = TRY(walk(virtual_address, true));
        if (!(*entry & pte::valid))
            *entry = physical | flags;
        physical += page_size;
        virtual_address += page_size;
    }
    return {};
}

bool is_ram(boot::MemoryKind kind)
{
    switch (kind) {
    case boot::MemoryKind::Usable:
    case boot::MemoryKind::BootServicesReclaim:
    case boot::MemoryKind::LoaderData:
    case boot::MemoryKind::AcpiReclaim:
    case boot::MemoryKind::AcpiNvs:
    case boot::MemoryKind::RuntimeServices:
        return true;
    default:
        return false;
    }
}

void invalidate_page(u64 virtual_address)
{
    asm volatile("tlbi vaae1is, %0" : : "r"((virtual_address >> 12) & 0xFFFFFFFFFFFULL) : "memory");
}

} // namespace

ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    u64 loader_root = ATH_READ_SYSREG(ttbr1_el1) & pte::address_mask;
    g_root = TRY(new_table());

    u64 common = pte::valid | pte::table_or_page | pte::access_flag | pte::inner_shareable
        | pte::privileged_no_execute | pte::unprivileged_no_execute;
    u64 data_flags = common | pte::attribute_normal;
    u64 device_flags = common | pte::attribute_device;
    for (auto& range : mm::boot_memory_map(info)) {
        u64 base = align_down(range.base, page_size);
        u64 size = align_up(range.base + range.size, page_size) - base;
        TRY(map_boot_range(mm::direct_map_base + base, base, size, is_ram(range.kind) ? data_flags : device_flags));
    }
    if (info.framebuffer.format != boot::PixelFormat::None && info.framebuffer.base) {
        u64 base = align_down(info.framebuffer.base, page_size);
        u64 size = align_up(info.framebuffer.base + info.framebuffer.size, page_size) - base;
        TRY(map_boot_range(mm::direct_map_base + base, base, size, common | pte::attribute_non_cacheable));
    }
    if (u64 uart = pl011::console_physical_base()) {
        u64 base = align_down(uart, page_size);
        TRY(map_boot_range(mm::direct_map_base + base, base, page_size, device_flags));
    }

    // The kernel image: the loader placed it contiguously at kernel_physical_base.
    u64 kernel_start = reinterpret_cast<u64>(__kernel_start);
    for (u64 page = kernel_start; page < reinterpret_cast<u64>(__kernel_end); page += page_size) {
        if (page == reinterpret_cast<u64>(aarch64_boot_stack_guard))
            continue;
        u64 physical = info.kernel_physical_base + (page - kernel_start);
        u64 flags = pte::valid | pte::table_or_page | pte::access_flag | pte::inner_shareable
            | pte::unprivileged_no_execute | pte::attribute_normal;
        if (page >= reinterpret_cast<u64>(__text_start) && page < reinterpret_cast<u64>(__text_end)) {
            flags |= pte::read_only; // executable, read-only
        } else if (page >= reinterpret_cast<u64>(__data_start) && page < reinterpret_cast<u64>(__data_end)) {
            flags |= pte::privileged_no_execute;
        } else {
            flags |= pte::privileged_no_execute | pte::read_only; // rodata, .ksyms, anything else
        }
        u64* entry = TRY(walk(page, true));
        *entry = physical | flags;
    }

    data_barrier();
    ATH_WRITE_SYSREG(mair_el1, memory_attributes);
    ATH_WRITE_SYSREG(ttbr1_el1, g_root);
    ATH_WRITE_SYSREG(tcr_el1, ATH_READ_SYSREG(tcr_el1) | tcr_disable_ttbr0_walks);
    instruction_barrier();
    asm volatile("tlbi vmalle1is\n dsb ish\n isb" ::: "memory");
    println("athanor: paging: own tables at {:#x} ({} table frames), loader tables at {:#x} retired", g_root,
            g_table_frames, loader_root);
    return {};
}

ErrorOr Arch::Mmu::map(VirtualAddress base, PhysicalAddress physical, u64 page_count, PageAccess access)
{
    TRY(check_range(base, page_count));
    if (!physical.is_aligned(page_size))
        return Error::from(ErrorCode::InvalidArgument, "physical address is not page-aligned");
    if (!checked_add(physical.get(), page_count * page_size).has_value()
        || physical.get() + page_count * page_size > (u64(1) << 48))
        return Error::from(ErrorCode::InvalidArgument, "physical range exceeds 48 bits");
    for (u64 i = 0; i < page_count; ++i) {
        if (lookup(base.get() + i * page_size).has_value())
            return Error::from(ErrorCode::AlreadyExists, "a page in the range is already mapped");
    }
    u64 flags = leaf_flags(access);
    for (u64 i = 0; i < page_count; ++i) {
        auto entry = walk(base.get() + i * page_size, true);
        if (entry.is_error()) {
            // Out of table frames halfway: undo what this call mapped.
            for (u64 j = 0; j < i; ++j)
                *walk(base.get() + j * page_size, false).value() = 0;
            flush(base, i);
            return entry.release_error();
        }
        *entry.value() = (physical.get() + i * page_size) | flags;
    }
    // Invalid entries are never cached in the TLB: new mappings need only the barrier.
    data_barrier();
    instruction_barrier();
    return {};
}

ErrorOr Arch::Mmu::unmap(VirtualAddress base, u64 page_count)
{
    TRY(check_range(base, page_count));
    for (u64 i = 0; i < page_count; ++i) {
        if (!lookup(base.get() + i * page_size).has_value())
            return Error::from(ErrorCode::NotFound, "a page in the range is not mapped");
    }
    for (u64 i = 0; i < page_count; ++i)
        *TRY(walk(base.get() + i * page_size, true)) = 0;
    flush(base, page_count);
    return {};
}

ErrorOr Arch::Mmu::protect(VirtualAddress base, u64 page_count, PageAccess access)
{
    TRY(check_range(base, page_count));
    for (u64 i = 0; i < page_count; ++i) {
        if (!lookup(base.get() + i * page_size).has_value())
            return Error::from(ErrorCode::NotFound, "a page in the range is not mapped");
    }
    u64 flags = leaf_flags(access);
    for (u64 i = 0; i < page_count; ++i) {
        u64* entry = TRY(walk(base.get() + i * page_size, true));
        *entry = (*entry & pte::address_mask) | flags;
    }
    flush(base, page_count);
    return {};
}

Optional<PhysicalAddress> Arch::Mmu::translate(VirtualAddress address)
{
    auto physical = lookup(address.get());
    if (!physical.has_value())
        return none;
    return PhysicalAddress(*physical);
}

void Arch::Mmu::flush(VirtualAddress base, u64 page_count)
{
    asm volatile("dsb ishst" ::: "memory"); // the table writes before the invalidation
    for (u64 i = 0; i < page_count; ++i)
        invalidate_page(base.get() + i * page_size);
    asm volatile("dsb ish\n isb" ::: "memory");
    if (g_shootdown_hook)
        g_shootdown_hook(base, page_count);
}

void Arch::Mmu::set_tlb_shootdown_hook(TlbShootdownHook hook) { g_shootdown_hook = hook; }

u64 Arch::Mmu::page_tables_in_use() { return g_table_frames; }

} // namespace ath::aarch64
