// Sv48 paging for the kernel address space.
//
// Mmu::init builds fresh tables instead of editing the loader's: the direct map of the memory
// map's ranges (never executable), the console UART and the power-off device, the kernel image
// with per-section permissions (text RX, rodata R, data RW; the page under the boot stack left
// out as a guard), then switches satp. The loader's identity map is not carried over, so the
// null page and every lower-half address fault. map/unmap/protect edit these tables with 4 KiB
// pages, splitting a 2 MiB page when a request covers part of it; every multi-page request is
// checked completely before the first entry changes. The walk, split and page loops are the
// generic ones (kernel/arch/common/PageTable.h); this file keeps the entry bits it chooses, the
// canonical-address rules, satp and SFENCE.VMA.
//
// Base RISC-V page tables carry no memory type: PageAccess::Uncached is accepted and ignored
// (the platform's PMAs make device ranges uncached; Svpbmt is not assumed).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/KernelMmu.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>
#include <kernel/lib/Format.h>

extern "C" const ath::u8 riscv64_boot_stack_guard[];

namespace ath::riscv64 {

namespace {

using Pte = PageTableFormat;
using Tables = paging::KernelPageTable<Pte>;

constexpr u64 satp_mode_sv48 = 9ULL << 60;

u64 g_root = 0; // physical address of our root table (0 until init)
paging::KernelTableMemory g_memory;

u64 satp_root() { return (ATH_READ_CSR(satp) & Pte::ppn_mask) << 12; }

constexpr u64 leaf_common = Pte::valid | Pte::readable | Pte::accessed | Pte::dirty | Pte::global;

void invalidate_page(u64 virtual_address) { asm volatile("sfence.vma %0, zero" : : "r"(virtual_address) : "memory"); }

} // namespace

// Our tables once init built them; the loader's (satp) before.
Tables MmuPort::tables() { return Tables(g_memory, g_root ? g_root : satp_root()); }

u64 MmuPort::table_frames_in_use() { return g_memory.frames_in_use; }

u64 MmuPort::leaf_flags(PageAccess access)
{
    u64 flags = leaf_common;
    if (has_access(access, PageAccess::Write))
        flags |= Pte::writable;
    if (has_access(access, PageAccess::Execute))
        flags |= Pte::executable;
    return flags;
}

ErrorOr MmuPort::check_range(VirtualAddress base, u64 page_count) { return Pte::check_range(base.get(), page_count, page_size); }

bool MmuPort::translatable(u64 address) { return Pte::is_canonical(address); }

// Implementations may cache invalid entries: make the new ones visible.
void MmuPort::published(VirtualAddress, u64) { asm volatile("sfence.vma" ::: "memory"); }

ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    u64 loader_root = satp_root();
    Tables own = TRY(Tables::create(g_memory));

    u64 data_flags = leaf_common | Pte::writable;
    TRY(paging::map_boot_direct_map(own, info, data_flags, data_flags, data_flags));
    u64 devices[] = { uart::physical_base(), power_off_device() };
    for (u64 device : devices) {
        if (device)
            TRY(paging::map_direct(own, device, page_size, data_flags));
    }

    // The kernel image: the loader placed it contiguously at kernel_physical_base.
    u64 kernel_start = reinterpret_cast<u64>(__kernel_start);
    paging::KernelSectionAttributes sections { leaf_common | Pte::executable, leaf_common, leaf_common | Pte::writable };
    TRY(paging::map_kernel_image(own, reinterpret_cast<u64>(riscv64_boot_stack_guard), sections,
                                 [&](u64 page) -> Result<u64> { return info.kernel_physical_base + (page - kernel_start); }));

    g_root = own.root();
    asm volatile("sfence.vma" ::: "memory");
    ATH_WRITE_CSR(satp, satp_mode_sv48 | (g_root >> 12));
    asm volatile("sfence.vma" ::: "memory");
    println("athanor: paging: own Sv48 tables at {:#x} ({} table frames), loader tables at {:#x} retired", g_root,
            g_memory.frames_in_use, loader_root);
    return {};
}

void MmuPort::invalidate_tlb(VirtualAddress base, u64 page_count)
{
    // A large range costs less as one whole flush (global entries too) than as one fence per page.
    if (page_count > paging::whole_tlb_flush_threshold_pages)
        asm volatile("sfence.vma zero, zero" ::: "memory");
    else
        for (u64 i = 0; i < page_count; ++i)
            invalidate_page(base.get() + i * page_size);
}

} // namespace ath::riscv64
