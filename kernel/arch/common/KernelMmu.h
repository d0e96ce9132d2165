#pragma once

// Arch::Mmu on every port: init is the port's own (its Mmu.cpp builds the tables and switches to
// them); map/unmap/protect/translate/flush and the bookkeeping are kernel/arch/common/KernelMmu.cpp
// over the generic walker, asking the port only what differs, through MmuPort. Declared once
// here, defined in each port's Mmu.cpp.
#include <kernel/arch/common/KernelPageTables.h>
#include ATH_ARCH_PORT_HEADER

namespace ath::ATH_ARCH_NAMESPACE {

struct MmuPort {
    using Format = PageTableFormat; // the port's entry format (its PageTableFormat.h)
    // The live kernel tables: the port's own once Mmu::init built them, the loader's before.
    static paging::KernelPageTable<Format> tables();
    static u64 table_frames_in_use();
    // The port's range rules beyond alignment and count (canonical halves, the kernel half).
    static ErrorOr check_range(VirtualAddress base, u64 page_count);
    // Addresses translate() may walk at all.
    static bool translatable(u64 address);
    // The port's leaf bits for an access.
    static u64 leaf_flags(PageAccess access);
    // What new mappings of non-present pages [base, +page_count) need to be seen (a barrier, a
    // fence, nothing; the usermode port mirrors them into the process).
    static void published(VirtualAddress base, u64 page_count);
    // Invalidates [base, +page_count) in the TLB (the whole TLB for a large range).
    static void invalidate_tlb(VirtualAddress base, u64 page_count);
};

} // namespace ath::ATH_ARCH_NAMESPACE
