// 4-level x86_64 paging for the kernel address space.
//
// Mmu::init builds fresh tables instead of editing the loader's: the direct map (RAM write-back,
// device ranges uncached, always NX), the kernel image with per-section permissions (text RX,
// rodata R, data RW; the page under the boot stack left unmapped as a guard), then switches CR3.
// Afterwards map/unmap/protect edit these tables with 4 KiB pages, splitting a 2 MiB page when a
// request covers only part of it. Every multi-page request is checked completely before the
// first entry changes, so an error leaves the tables as they were. The walk, split and page loops
// are the generic ones (kernel/arch/common/PageTable.h); this file keeps the entry bits it
// chooses, the canonical-address rules, CR3 and INVLPG.
#include <kernel/arch/Arch.h>
#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/arch/common/KernelMmu.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/lib/Format.h>

extern "C" const ath::u8 x86_64_boot_stack_guard[];

namespace ath::x86_64 {

namespace {

constexpr u64 cr4_global_pages = u64(1) << 7; // CR4.PGE

using Pte = PageTableFormat;
using Tables = paging::KernelPageTable<Pte>;

u64 g_root = 0; // physical address of our PML4 (0 until init)
paging::KernelTableMemory g_memory;

} // namespace

// Our tables once init built them; the loader's (CR3) before.
Tables MmuPort::tables() { return Tables(g_memory, g_root ? g_root : (read_cr3() & Pte::address_mask)); }

u64 MmuPort::table_frames_in_use() { return g_memory.frames_in_use; }

u64 MmuPort::leaf_flags(PageAccess access)
{
    u64 flags = Pte::present | Pte::global;
    if (has_access(access, PageAccess::Write))
        flags |= Pte::writable;
    if (!has_access(access, PageAccess::Execute))
        flags |= Pte::no_execute;
    if (has_access(access, PageAccess::Uncached))
        flags |= Pte::cache_disable | Pte::write_through;
    return flags;
}

ErrorOr MmuPort::check_range(VirtualAddress base, u64 page_count) { return Pte::check_range(base.get(), page_count, page_size); }

bool MmuPort::translatable(u64 address) { return Pte::is_canonical(address); }

// New mappings of previously non-present pages need no flush on x86 (no negative caching).
void MmuPort::published(VirtualAddress, u64) { }

ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    u64 loader_root = read_cr3() & Pte::address_mask;
    Tables loader_tables(g_memory, loader_root);
    Tables own = TRY(Tables::create(g_memory));

    u64 data_flags = Pte::present | Pte::writable | Pte::no_execute | Pte::global;
    u64 device_flags = data_flags | Pte::cache_disable | Pte::write_through;
    TRY(paging::map_boot_direct_map(own, info, data_flags, device_flags, device_flags));

    // The kernel image: translate each page through the loader's tables (the loader chose where
    // the segments sit physically) and map it with its section's permissions.
    u64 code = Pte::present | Pte::global;
    paging::KernelSectionAttributes sections { code, code | Pte::no_execute, code | Pte::no_execute | Pte::writable };
    TRY(paging::map_kernel_image(own, reinterpret_cast<u64>(x86_64_boot_stack_guard), sections,
                                 [&](u64 page) -> Result<u64> {
                                     auto leaf = loader_tables.lookup(page);
                                     if (!leaf.has_value())
                                         return Error::from(ErrorCode::Invalid,
                                                            "a kernel page is not mapped by the loader");
                                     return leaf->physical;
                                 }));
    g_root = own.root();
    write_cr3(g_root);
    println("athanor: paging: own tables at {:#x} ({} table frames), loader tables at {:#x} retired", g_root,
            g_memory.frames_in_use, loader_root);
    return {};
}

void MmuPort::invalidate_tlb(VirtualAddress base, u64 page_count)
{
    // Kernel mappings are global, which a CR3 reload would not flush: page by page, or for a large
    // range one whole flush by toggling CR4.PGE (which drops global entries too), interrupts off
    // so nothing runs between the two writes.
    if (page_count > paging::whole_tlb_flush_threshold_pages) {
        InterruptsDisabled no_interrupts;
        u64 cr4 = read_cr4();
        if (cr4 & cr4_global_pages) {
            write_cr4(cr4 & ~cr4_global_pages);
            write_cr4(cr4);
        } else {
            write_cr3(read_cr3()); // without PGE no entry is global: a CR3 reload drops them all
        }
    } else {
        for (u64 i = 0; i < page_count; ++i)
            invlpg(base.get() + i * page_size);
    }
}

} // namespace ath::x86_64
