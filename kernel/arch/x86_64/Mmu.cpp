// 4-level x86_64 paging for the kernel address space.
//
// Mmu::init builds fresh tables instead of editing the loader's: the direct map (RAM write-back,
// device ranges uncached, always NX), the kernel image with per-section permissions (text RX,
// rodata R, data RW; the page under the boot stack left unmapped as a guard), then switches CR3.
// Afterwards map/unmap/protect edit these tables with 4 KiB pages, splitting a 2 MiB page when a
// request covers only part of it. Every multi-page request is checked completely before the
// first entry changes, so an error leaves the tables as they were.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>

extern "C" const ath::u8 __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __data_end[], __kernel_end[], x86_64_boot_stack_guard[];

namespace ath::x86_64 {

namespace {

namespace pte {
constexpr u64 present = 1ULL << 0;
constexpr u64 writable = 1ULL << 1;
constexpr u64 write_through = 1ULL << 3;
constexpr u64 cache_disable = 1ULL << 4;
constexpr u64 huge = 1ULL << 7; // 2 MiB page in a PD entry
constexpr u64 global = 1ULL << 8;
constexpr u64 no_execute = 1ULL << 63;
constexpr u64 address_mask = 0x000FFFFFFFFFF000ULL;
constexpr u64 leaf_flags_mask = present | writable | write_through | cache_disable | global | no_execute;
}

constexpr u64 large_page_size = 2ULL << 20;
constexpr u64 huge_page_size = 1ULL << 30;

u64 g_root = 0; // physical address of our PML4 (0 until init)
u64 g_table_frames = 0;
TlbShootdownHook g_shootdown_hook = nullptr;

u64* table_at(u64 physical) { return mm::phys_to_ptr<u64>(PhysicalAddress(physical)); }
u64 root() { return g_root ? g_root : (read_cr3() & pte::address_mask); }

u64 index_of(u64 virtual_address, int level) { return (virtual_address >> (12 + 9 * level)) & 0x1FF; }

u64 leaf_flags(PageAccess access)
{
    u64 flags = pte::present | pte::global;
    if (has_access(access, PageAccess::Write))
        flags |= pte::writable;
    if (!has_access(access, PageAccess::Execute))
        flags |= pte::no_execute;
    if (has_access(access, PageAccess::Uncached))
        flags |= pte::cache_disable | pte::write_through;
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
    u64 base = entry & pte::address_mask & ~(large_page_size - 1);
    u64 flags = entry & pte::leaf_flags_mask;
    u64* entries = table_at(table);
    for (u64 i = 0; i < 512; ++i)
        entries[i] = (base + i * page_size) | flags;
    entry = table | pte::present | pte::writable;
    return {};
}

// The level-0 entry for `virtual_address`, creating (or splitting) tables on the way when asked.
Result<u64*> walk(u64 virtual_address, bool create)
{
    u64 table = root();
    for (int level = 3; level > 0; --level) {
        u64& entry = table_at(table)[index_of(virtual_address, level)];
        if (!(entry & pte::present)) {
            if (!create)
                return Error::from(ErrorCode::NotFound, "address is not mapped");
            entry = TRY(new_table()) | pte::present | pte::writable;
        } else if (entry & pte::huge) {
            if (level != 1)
                return Error::from(ErrorCode::Unsupported, "1 GiB pages are not used by the kernel");
            if (!create)
                return Error::from(ErrorCode::Busy, "address is inside a 2 MiB page");
            TRY(split_large_page(entry));
        }
        table = entry & pte::address_mask;
    }
    return &table_at(table)[index_of(virtual_address, 0)];
}

// A present translation, including pages inside 2 MiB mappings.
Optional<u64> lookup(u64 virtual_address)
{
    u64 table = root();
    for (int level = 3; level >= 0; --level) {
        u64 entry = table_at(table)[index_of(virtual_address, level)];
        if (!(entry & pte::present))
            return none;
        // 2 MiB (level 1) and 1 GiB (level 2) pages; the loader's tables may use either.
        if ((level == 1 || level == 2) && (entry & pte::huge)) {
            u64 size = level == 1 ? large_page_size : huge_page_size;
            return (entry & pte::address_mask & ~(size - 1)) + (virtual_address & (size - 1));
        }
        if (level == 0)
            return (entry & pte::address_mask) + (virtual_address & (page_size - 1));
        table = entry & pte::address_mask;
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
        return Error::from(ErrorCode::InvalidArgument, "range is not canonical");
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
                if (!(entry & pte::present))
                    entry = TRY(new_table()) | pte::present | pte::writable;
                table = entry & pte::address_mask;
            }
            u64& entry = table_at(table)[index_of(virtual_address, 1)];
            if (!(entry & pte::present))
                entry = physical | flags | pte::huge;
            physical += large_page_size;
            virtual_address += large_page_size;
            continue;
        }
        u64* entry = TRY(walk(virtual_address, true));
        if (!(*entry & pte::present))
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

} // namespace

ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    u64 loader_root = read_cr3() & pte::address_mask;
    g_root = TRY(new_table());

    // walk() reads root(), which is g_root from here on: build the new tables through it.
    u64 data_flags = pte::present | pte::writable | pte::no_execute | pte::global;
    u64 device_flags = data_flags | pte::cache_disable | pte::write_through;
    for (auto& range : mm::boot_memory_map(info)) {
        u64 base = align_down(range.base, page_size);
        u64 size = align_up(range.base + range.size, page_size) - base;
        u64 flags = is_ram(range.kind) ? data_flags : device_flags;
        TRY(map_boot_range(mm::direct_map_base + base, base, size, flags));
    }
    if (info.framebuffer.format != boot::PixelFormat::None && info.framebuffer.base) {
        u64 base = align_down(info.framebuffer.base, page_size);
        u64 size = align_up(info.framebuffer.base + info.framebuffer.size, page_size) - base;
        TRY(map_boot_range(mm::direct_map_base + base, base, size, device_flags));
    }

    // The kernel image: translate each page through the loader's tables (the loader chose where
    // the segments sit physically) and map it with its section's permissions.
    u64 saved_root = g_root;
    for (u64 page = reinterpret_cast<u64>(__kernel_start); page < reinterpret_cast<u64>(__kernel_end);
         page += page_size) {
        if (page == reinterpret_cast<u64>(x86_64_boot_stack_guard))
            continue;
        g_root = loader_root;
        auto physical = lookup(page);
        g_root = saved_root;
        if (!physical.has_value())
            return Error::from(ErrorCode::Invalid, "a kernel page is not mapped by the loader");
        u64 flags = pte::present | pte::global;
        if (page >= reinterpret_cast<u64>(__text_start) && page < reinterpret_cast<u64>(__text_end)) {
            // executable, read-only
        } else if (page >= reinterpret_cast<u64>(__rodata_start) && page < reinterpret_cast<u64>(__rodata_end)) {
            flags |= pte::no_execute;
        } else if (page >= reinterpret_cast<u64>(__data_start) && page < reinterpret_cast<u64>(__data_end)) {
            flags |= pte::no_execute | pte::writable;
        } else {
            flags |= pte::no_execute; // .ksyms and anything else: read-only data
        }
        u64* entry = TRY(walk(page, true));
        *entry = *physical | flags;
    }
    write_cr3(g_root);
    println("athanor: paging: own tables at {:#x} ({} table frames), loader tables at {:#x} retired", g_root,
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
            // Out of table frames half-way: undo what this call mapped.
            for (u64 j = 0; j < i; ++j)
                *walk(base.get() + j * page_size, false).value() = 0;
            flush(base, i);
            return entry.release_error();
        }
        *entry.value() = (physical.get() + i * page_size) | flags;
    }
    // New mappings of previously non-present pages need no flush on x86 (no negative caching).
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
    if (!is_canonical(address.get()))
        return none;
    auto physical = lookup(address.get());
    if (!physical.has_value())
        return none;
    return PhysicalAddress(*physical);
}

void Arch::Mmu::flush(VirtualAddress base, u64 page_count)
{
    // Kernel mappings are global, which a CR3 reload would not flush: invalidate page by page.
    for (u64 i = 0; i < page_count; ++i)
        invlpg(base.get() + i * page_size);
    if (g_shootdown_hook)
        g_shootdown_hook(base, page_count);
}

void Arch::Mmu::set_tlb_shootdown_hook(TlbShootdownHook hook) { g_shootdown_hook = hook; }

u64 Arch::Mmu::page_tables_in_use() { return g_table_frames; }

} // namespace ath::x86_64
