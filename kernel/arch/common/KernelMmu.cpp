// Arch::Mmu's map/unmap/protect/translate/flush, the same on every port once MmuPort
// (kernel/arch/common/KernelMmu.h) says how. Every request is checked completely before the
// first entry changes, so an error leaves the tables as they were.
#include <kernel/arch/common/KernelMmu.h>

namespace ath::ATH_ARCH_NAMESPACE {

namespace {

using Format = MmuPort::Format;

TlbShootdownHook g_shootdown_hook = nullptr;

} // namespace

ErrorOr Arch::Mmu::map(VirtualAddress base, PhysicalAddress physical, u64 page_count, PageAccess access)
{
    TRY(MmuPort::check_range(base, page_count));
    if (!physical.is_aligned(page_size))
        return Error::from(ErrorCode::InvalidArgument, "physical address is not page-aligned");
    auto end = checked_add(physical.get(), page_count * page_size);
    if (!end.has_value() || *end > Format::physical_limit)
        return Error::from(ErrorCode::InvalidArgument, "physical range exceeds what a page-table entry holds");
    auto result = MmuPort::tables().map_pages(base.get(), physical.get(), page_count, MmuPort::leaf_flags(access));
    if (result.is_error()) {
        flush(base, page_count); // out of table frames halfway: what this call mapped is undone
        return result;
    }
    MmuPort::published(base, page_count);
    return {};
}

ErrorOr Arch::Mmu::unmap(VirtualAddress base, u64 page_count)
{
    TRY(MmuPort::check_range(base, page_count));
    TRY(MmuPort::tables().unmap_pages(base.get(), page_count));
    flush(base, page_count);
    return {};
}

ErrorOr Arch::Mmu::protect(VirtualAddress base, u64 page_count, PageAccess access)
{
    TRY(MmuPort::check_range(base, page_count));
    TRY(MmuPort::tables().protect_pages(base.get(), page_count, MmuPort::leaf_flags(access)));
    flush(base, page_count);
    return {};
}

Optional<PhysicalAddress> Arch::Mmu::translate(VirtualAddress address)
{
    if (!MmuPort::translatable(address.get()))
        return none;
    auto leaf = MmuPort::tables().lookup(address.get());
    if (!leaf.has_value())
        return none;
    return PhysicalAddress(leaf->physical);
}

void Arch::Mmu::flush(VirtualAddress base, u64 page_count)
{
    MmuPort::invalidate_tlb(base, page_count);
    if (g_shootdown_hook)
        g_shootdown_hook(base, page_count);
}

void Arch::Mmu::set_tlb_shootdown_hook(TlbShootdownHook hook) { g_shootdown_hook = hook; }

u64 Arch::Mmu::page_tables_in_use() { return MmuPort::table_frames_in_use(); }

} // namespace ath::ATH_ARCH_NAMESPACE
