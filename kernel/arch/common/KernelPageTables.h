#pragma once

// What the three kernel Mmu::init implementations share around the generic walker
// (kernel/arch/common/PageTable.h): where table frames come from, the boot-time direct map and
// the kernel image with per-section permissions. The checked Arch::Mmu operations are
// kernel/arch/common/KernelMmu.cpp. Each arch's Mmu.cpp keeps its entry bits (PageTableFormat.h),
// its range rules and its register / TLB work.
#include <boot/BootInfo.h>
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/PageTable.h>
#include <kernel/lib/Address.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>

extern "C" const ath::u8 __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __data_end[], __kernel_end[];

namespace ath::paging {

// Above this many pages an arch's Mmu::flush invalidates the whole TLB instead of page by page.
inline constexpr u64 whole_tlb_flush_threshold_pages = 32;

// Table frames of the kernel's own tables: zeroed frames from the frame allocator, reached
// through the direct map, counted for Arch::Mmu::page_tables_in_use.
struct KernelTableMemory {
    u64 frames_in_use = 0;
    void (*barrier)() = nullptr; // orders table writes before the entry that links them

    Result<u64> allocate_table()
    {
        auto frame = TRY(mm::allocate_zeroed_frame());
        ++frames_in_use;
        return frame.get();
    }
    u64* table_at(u64 physical) { return mm::phys_to_ptr<u64>(PhysicalAddress(physical)); }
    void publish() const
    {
        if (barrier)
            barrier();
    }
};

template<typename Format>
using KernelPageTable = PageTable<Format, KernelTableMemory>;

inline bool is_ram(boot::MemoryKind kind)
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

// Boot-time mapping of [physical, +size) at direct_map_base + physical into tables that are not
// live yet: 2 MiB leaves where aligned, 4 KiB pages elsewhere; what is already mapped (ranges
// that overlap an earlier one) is left as it is.
template<typename Format>
ErrorOr map_direct(KernelPageTable<Format>& tables, u64 physical, u64 size, u64 attributes)
{
    u64 base = align_down(physical, page_size);
    u64 end = align_up(physical + size, page_size);
    return tables.map_range(mm::direct_map_base + base, base, end - base, 1, Descend::CreateSplitting,
                            [&](u64& entry, u64, u64 frame, int level) -> ErrorOr {
                                if (!Format::is_present(entry))
                                    entry = Format::leaf_entry(frame, attributes, level);
                                return {};
                            });
}

// The direct map of the boot memory map (RAM with `ram`, everything else with `device`) and of
// the framebuffer (with `framebuffer`).
template<typename Format>
ErrorOr map_boot_direct_map(KernelPageTable<Format>& tables, const boot::BootInfo& info, u64 ram, u64 device,
                            u64 framebuffer)
{
    for (auto& range : mm::boot_memory_map(info))
        TRY(map_direct(tables, range.base, range.size, is_ram(range.kind) ? ram : device));
    if (info.framebuffer.format != boot::PixelFormat::None && info.framebuffer.base)
        TRY(map_direct(tables, info.framebuffer.base, info.framebuffer.size, framebuffer));
    return {};
}

// Attributes of the kernel image's pages by section: text executable and read-only, data
// writable, rodata and anything else (.ksyms) read-only.
struct KernelSectionAttributes {
    u64 text;
    u64 read_only;
    u64 data;
};

// Maps every page of the kernel image except `guard_page` (the unmapped page under the boot
// stack) with its section's attributes; physical_of(page) says where the loader put it.
template<typename Format, typename PhysicalOf>
ErrorOr map_kernel_image(KernelPageTable<Format>& tables, u64 guard_page, KernelSectionAttributes attributes,
                         PhysicalOf&& physical_of)
{
    auto inside = [](u64 page, const u8* start, const u8* end) {
        return page >= reinterpret_cast<u64>(start) && page < reinterpret_cast<u64>(end);
    };
    for (u64 page = reinterpret_cast<u64>(__kernel_start); page < reinterpret_cast<u64>(__kernel_end);
         page += page_size) {
        if (page == guard_page)
            continue;
        u64 physical = TRY(physical_of(page));
        u64 flags = inside(page, __text_start, __text_end) ? attributes.text
            : inside(page, __data_start, __data_end)       ? attributes.data
                                                           : attributes.read_only;
        u64* entry = TRY(tables.entry_at(page, 0, Descend::CreateSplitting));
        *entry = Format::leaf_entry(physical, flags, 0);
    }
    return {};
}

} // namespace ath::paging
