// Sv48 paging for the kernel address space.
//
// Mmu::init builds fresh tables instead of editing the loader's: the direct map of the memory
// map's ranges (never executable), the console UART and the power-off device, the kernel image
// with per-section permissions (text RX, rodata R, data RW; the page under the boot stack left
// out as a guard), then switches satp. The loader's identity map is not carried over, so the
// null page and every lower-half address fault. map/unmap/protect edit these tables with 4 KiB
// pages, splitting a 2 MiB page when a request covers part of it; every multi-page request is
// checked completely before the first entry changes.
//
// Base RISC-V page tables carry no memory type: PageAccess::Uncached is accepted and ignored
// (the platform's PMAs make device ranges uncached; Svpbmt is not assumed).
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>

extern "C" const ath::u8 __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __data_end[], __kernel_end[], riscv64_boot_stack_guard[];

namespace ath::riscv64 {

namespace {

namespace pte {
constexpr u64 valid = 1ULL << 0;
constexpr u64 readable = 1ULL << 1;
constexpr u64 writable = 1ULL << 2;
constexpr u64 executable = 1ULL << 3;
constexpr u64 global = 1ULL << 5;
constexpr u64 accessed = 1ULL << 6;
constexpr u64 dirty = 1ULL << 7;
constexpr u64 leaf_bits = readable | writable | executable;
constexpr u64 flags_mask = 0x3FF;
}

constexpr u64 satp_mode_sv48 = 9ULL << 60;
constexpr u64 large_page_size = 2ULL << 20;

u64 g_root = 0; // physical address of our root table (0 until init)
u64 g_table_frames = 0;
TlbShootdownHook g_shootdown_hook = nullptr;

u64* table_at(u64 physical) { return mm::phys_to_ptr<u64>(PhysicalAddress(physical)); }
u64 physical_of(u64 entry) { return ((entry >> 10) & ((1ULL << 44) - 1)) << 12; }
u64 entry_for(u64 physical) { return (physical >> 12) << 10; }
u64 root() { return g_root ? g_root : (ATH_READ_CSR(satp) & ((1ULL << 44) - 1)) << 12; }
bool is_leaf(u64 entry) { return (entry & pte::leaf_bits) != 0; }

// Level 3 is the root, level 0 holds 4 KiB pages.
u64 index_of(u64 virtual_address, int level) { return (virtual_address >> (12 + 9 * level)) & 0x1FF; }

u64 leaf_flags(PageAccess access)
{
    u64 flags = pte::valid | pte::readable | pte::accessed | pte::dirty | pte::global;
    if (has_access(access, PageAccess::Write))
        flags |= pte::writable;
    if (has_access(access, PageAccess::Execute))
        flags |= pte::executable;
    return flags;
}

Result<u64> new_table()
{
    auto frame = TRY(mm::allocate_zeroed_frame());
    ++g_table_frames;
    return frame.get();
}

// Replaces a 2 MiB page by a table of 512 4 KiB pages with the same translation and flags.
ErrorOr split_large_page(u64& entry)
{
    u64 table = TRY(new_table());
    u64 base = physical_of(entry) & ~(large_page_size - 1);
    u64 flags = entry & pte::flags_mask;
    u64* entries = table_at(table);
    for (u64 i = 0; i < 512; ++i)
        entries[i] = entry_for(base + i * page_size) | flags;
    entry = entry_for(table) | pte::valid;
    return {};
}

// The level-0 entry for `virtual_address`, creating (or splitting) tables on the way when asked.
Result<u64*> walk(u64 virtual_address, bool create)
{
    u64 table = root();
    for (int level = 3; level > 0; --level) {
        u64& entry = table_at(table)[index_of(virtual_address, level)];
        if (!(entry & pte::valid)) {
            if (!create)
                return Error::from(ErrorCode::NotFound, "address is not mapped");
            entry = entry_for(TRY(new_table())) | pte::valid;
        } else if (is_leaf(entry)) {
            if (level != 1)
                return Error::from(ErrorCode::Unsupported, "1 GiB pages are not used by the kernel");
            if (!create)
                return Error::from(ErrorCode::Busy, "address is inside a 2 MiB page");
            TRY(split_large_page(entry));
        }
        table = physical_of(entry);
    }
    return &table_at(table)[index_of(virtual_address, 0)];
}

// A present translation, including pages inside larger leaves.
Optional<u64> lookup(u64 virtual_address)
{
    u64 table = root();
    for (int level = 3; level >= 0; --level) {
        u64 entry = table_at(table)[index_of(virtual_address, level)];
        if (!(entry & pte::valid))
            return none;
        if (is_leaf(entry)) {
            u64 size = u64(1) << (12 + 9 * level);
            return (physical_of(entry) & ~(size - 1)) + (virtual_address & (size - 1));
        }
        table = physical_of(entry);
    }
    return none;
}

bool is_canonical(u64 address) { return address < 0x0000800000000000ULL || address >= 0xFFFF800000000000ULL; }

ErrorOr check_range(VirtualAddress base, u64 page_count)
{
    if (!base.is_aligned(page_size))
        return Error::from(ErrorCode::InvalidArgument, "virtual address is not page-aligned");
    auto bytes = checked_mul(page_count, page_size);
    if (page_count == 0 || !bytes.has_value() || !checked_add(base.get(), *bytes - 1).has_value())
        return Error::from(ErrorCode::InvalidArgument, "bad page count");
    if (!is_canonical(base.get()) || !is_canonical(base.get() + *bytes - 1))
        return Error::from(ErrorCode::InvalidArgument, "range is not canonical (Sv48)");
    if ((base.get() < 0x0000800000000000ULL) != (base.get() + *bytes - 1 < 0x0000800000000000ULL))
        return Error::from(ErrorCode::InvalidArgument, "range crosses the canonical hole");
    return {};
}

// Boot-time mapping into the new root (which is not live yet): 2 MiB pages where aligned.
ErrorOr map_boot_range(u64 virtual_address, u64 physical, u64 size, u64 flags)
{
    u64 end = physical + size;
    while (physical < end) {
        bool can_use_large = (physical % large_page_size == 0) && (virtual_address % large_page_size == 0)
            && end - physical >= large_page_size;
        if (can_use_large) {
            u64 table = g_root;
            for (int level = 3; level > 1; --level) {
                u64& entry = table_at(table)[index_of(virtual_address, level)];
                if (!(entry & pte::valid))
                    entry = entry_for(TRY(new_table())) | pte::valid;
                table = physical_of(entry);
            }
            u64& entry = table_at(table)[index_of(virtual_address, 1)];
            if (!(entry & pte::valid))
                entry = entry_for(physical) | flags;
            physical += large_page_size;
            virtual_address += large_page_size;
            continue;
        }
        u64* entry = TRY(walk(virtual_address, true));
        if (!(*entry & pte::valid))
            *entry = entry_for(physical) | flags;
        physical += page_size;
        virtual_address += page_size;
    }
    return {};
}

void invalidate_page(u64 virtual_address) { asm volatile("sfence.vma %0, zero" : : "r"(virtual_address) : "memory"); }

} // namespace

ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    u64 loader_root = root();
    g_root = TRY(new_table());

    u64 data_flags = pte::valid | pte::readable | pte::writable | pte::accessed | pte::dirty | pte::global;
    for (auto& range : mm::boot_memory_map(info)) {
        u64 base = align_down(range.base, page_size);
        u64 size = align_up(range.base + range.size, page_size) - base;
        TRY(map_boot_range(mm::direct_map_base + base, base, size, data_flags));
    }
    if (info.framebuffer.format != boot::PixelFormat::None && info.framebuffer.base) {
        u64 base = align_down(info.framebuffer.base, page_size);
        u64 size = align_up(info.framebuffer.base + info.framebuffer.size, page_size) - base;
        TRY(map_boot_range(mm::direct_map_base + base, base, size, data_flags));
    }
    u64 devices[] = { uart::physical_base(), power_off_device() };
    for (u64 device : devices) {
        if (device) {
            u64 base = align_down(device, page_size);
            TRY(map_boot_range(mm::direct_map_base + base, base, page_size, data_flags));
        }
    }

    // The kernel image: the loader placed it contiguously at kernel_physical_base.
    u64 kernel_start = reinterpret_cast<u64>(__kernel_start);
    for (u64 page = kernel_start; page < reinterpret_cast<u64>(__kernel_end); page += page_size) {
        if (page == reinterpret_cast<u64>(riscv64_boot_stack_guard))
            continue;
        u64 physical = info.kernel_physical_base + (page - kernel_start);
        u64 flags = pte::valid | pte::readable | pte::accessed | pte::dirty | pte::global;
        if (page >= reinterpret_cast<u64>(__text_start) && page < reinterpret_cast<u64>(__text_end))
            flags |= pte::executable;
        else if (page >= reinterpret_cast<u64>(__data_start) && page < reinterpret_cast<u64>(__data_end))
            flags |= pte::writable;
        u64* entry = TRY(walk(page, true));
        *entry = entry_for(physical) | flags;
    }

    asm volatile("sfence.vma" ::: "memory");
    ATH_WRITE_CSR(satp, satp_mode_sv48 | (g_root >> 12));
    asm volatile("sfence.vma" ::: "memory");
    println("athanor: paging: own Sv48 tables at {:#x} ({} table frames), loader tables at {:#x} retired", g_root,
            g_table_frames, loader_root);
    return {};
}

ErrorOr Arch::Mmu::map(VirtualAddress base, PhysicalAddress physical, u64 page_count, PageAccess access)
{
    TRY(check_range(base, page_count));
    if (!physical.is_aligned(page_size))
        return Error::from(ErrorCode::InvalidArgument, "physical address is not page-aligned");
    for (u64 i = 0; i < page_count; ++i) {
        if (lookup(base.get() + i * page_size).has_value())
            return Error::from(ErrorCode::AlreadyExists, "a page in the range is already mapped");
    }
    u64 flags = leaf_flags(access);
    for (u64 i = 0; i < page_count; ++i) {
        auto entry = walk(base.get() + i * page_size, true);
        if (entry.is_error()) {
            for (u64 j = 0; j < i; ++j)
                *walk(base.get() + j * page_size, false).value() = 0;
            flush(base, i);
            return entry.release_error();
        }
        *entry.value() = entry_for(physical.get() + i * page_size) | flags;
    }
    // Implementations may cache invalid entries: make the new ones visible.
    asm volatile("sfence.vma" ::: "memory");
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
        *entry = (*entry & ~pte::flags_mask) | flags;
    }
    flush(base, page_count);
    return {};
}

Optional<PhysicalAddress> Arch::Mmu::translate(VirtualAddress address)
{
    if (!is_canonical(address.get()))
        return none;
    auto physical = lookup(address.get());
    if (!physical.has_value())
        return none;
    return PhysicalAddress(*physical);
}

void Arch::Mmu::flush(VirtualAddress base, u64 page_count)
{
    for (u64 i = 0; i < page_count; ++i)
        invalidate_page(base.get() + i * page_size);
    if (g_shootdown_hook)
        g_shootdown_hook(base, page_count);
}

void Arch::Mmu::set_tlb_shootdown_hook(TlbShootdownHook hook) { g_shootdown_hook = hook; }

u64 Arch::Mmu::page_tables_in_use() { return g_table_frames; }

} // namespace ath::riscv64
