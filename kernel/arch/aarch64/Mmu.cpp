// aarch64 stage-1 translation for the kernel address space (4 KiB granule, 48-bit VAs).
//
// The kernel lives entirely in the upper half (TTBR1_EL1). Mmu::init builds fresh tables instead
// of editing the loader's: the direct map (RAM normal write-back, other ranges Device, never
// executable), the console UART as Device memory, the kernel image with per-section permissions
// (text RX, rodata R, data RW; the page under the boot stack left out as a guard), then switches
// TTBR1 and turns TTBR0 walks off (TCR_EL1.EPD0), so the loader's identity map is gone and any
// lower-half access faults. map/unmap/protect edit these tables with 4 KiB pages, splitting a
// 2 MiB block when a request covers part of it; every multi-page request is checked completely
// before the first entry changes. The walk, split and page loops are the generic ones
// (kernel/arch/common/PageTable.h); this file keeps the descriptor bits it chooses, the TTBR1
// range rule, the system registers, barriers and TLB maintenance.
//
// Not done (QEMU TCG does not need it; real cores do): break-before-make when a live 2 MiB block
// is split into pages.
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/Pl011.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/arch/common/KernelMmu.h>
#include <kernel/lib/Format.h>

extern "C" const ath::u8 aarch64_boot_stack_guard[];

namespace ath::aarch64 {

namespace {

using Pte = PageTableFormat;
using Tables = paging::KernelPageTable<Pte>;

// MAIR_EL1 slots (the loader's two plus normal non-cacheable for the framebuffer).
constexpr u64 memory_attributes = 0xFF | (0x04 << 8) | (0x44 << 16);
constexpr u64 tcr_disable_ttbr0_walks = 1ULL << 7; // EPD0

u64 g_root = 0; // physical address of our TTBR1 root (0 until init)
paging::KernelTableMemory g_memory { 0, [] { data_barrier(); } };

constexpr u64 leaf_common = Pte::valid | Pte::access_flag | Pte::inner_shareable | Pte::unprivileged_no_execute;

void invalidate_page(u64 virtual_address)
{
    asm volatile("tlbi vaae1is, %0" : : "r"((virtual_address >> 12) & 0xFFFFFFFFFFFULL) : "memory");
}

} // namespace

// Our tables once init built them; the loader's (TTBR1) before.
Tables MmuPort::tables()
{
    return Tables(g_memory, g_root ? g_root : (ATH_READ_SYSREG(ttbr1_el1) & Pte::address_mask));
}

u64 MmuPort::table_frames_in_use() { return g_memory.frames_in_use; }

u64 MmuPort::leaf_flags(PageAccess access)
{
    u64 flags = leaf_common;
    flags |= has_access(access, PageAccess::Uncached) ? Pte::attribute_device : Pte::attribute_normal;
    if (!has_access(access, PageAccess::Write))
        flags |= Pte::read_only;
    if (!has_access(access, PageAccess::Execute))
        flags |= Pte::privileged_no_execute;
    return flags;
}

ErrorOr MmuPort::check_range(VirtualAddress base, u64 page_count)
{
    TRY(paging::check_page_range(base.get(), page_count, page_size));
    if (base.get() < Pte::upper_half)
        return Error::from(ErrorCode::InvalidArgument, "range is not in the kernel (TTBR1) half");
    return {};
}

bool MmuPort::translatable(u64 address) { return address >= Pte::upper_half; }

// Invalid entries are never cached in the TLB: new mappings need only the barrier.
void MmuPort::published(VirtualAddress, u64)
{
    data_barrier();
    instruction_barrier();
}

ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    u64 loader_root = ATH_READ_SYSREG(ttbr1_el1) & Pte::address_mask;
    Tables own = TRY(Tables::create(g_memory));

    u64 common = leaf_common | Pte::privileged_no_execute;
    u64 data_flags = common | Pte::attribute_normal;
    u64 device_flags = common | Pte::attribute_device;
    TRY(paging::map_boot_direct_map(own, info, data_flags, device_flags, common | Pte::attribute_non_cacheable));
    if (u64 uart = pl011::console_physical_base())
        TRY(paging::map_direct(own, uart, page_size, device_flags));

    // The kernel image: the loader placed it contiguously at kernel_physical_base.
    u64 kernel_start = reinterpret_cast<u64>(__kernel_start);
    u64 code = leaf_common | Pte::attribute_normal;
    paging::KernelSectionAttributes sections { code | Pte::read_only,
                                               code | Pte::privileged_no_execute | Pte::read_only,
                                               code | Pte::privileged_no_execute };
    TRY(paging::map_kernel_image(own, reinterpret_cast<u64>(aarch64_boot_stack_guard), sections,
                                 [&](u64 page) -> Result<u64> { return info.kernel_physical_base + (page - kernel_start); }));

    g_root = own.root();
    data_barrier();
    ATH_WRITE_SYSREG(mair_el1, memory_attributes);
    ATH_WRITE_SYSREG(ttbr1_el1, g_root);
    ATH_WRITE_SYSREG(tcr_el1, ATH_READ_SYSREG(tcr_el1) | tcr_disable_ttbr0_walks);
    instruction_barrier();
    asm volatile("tlbi vmalle1is\n dsb ish\n isb" ::: "memory");
    println("athanor: paging: own tables at {:#x} ({} table frames), loader tables at {:#x} retired", g_root,
            g_memory.frames_in_use, loader_root);
    return {};
}

void MmuPort::invalidate_tlb(VirtualAddress base, u64 page_count)
{
    asm volatile("dsb ishst" ::: "memory"); // the table writes before the invalidation
    // A large range costs less as one whole flush (all EL1 entries, inner shareable) than as one
    // TLBI per page.
    if (page_count > paging::whole_tlb_flush_threshold_pages)
        asm volatile("tlbi vmalle1is" ::: "memory");
    else
        for (u64 i = 0; i < page_count; ++i)
            invalidate_page(base.get() + i * page_size);
    asm volatile("dsb ish\n isb" ::: "memory");
}

} // namespace ath::aarch64
