// Wall-clock time from the PL031 real-time clock (QEMU virt: seconds since the Unix epoch, UTC).
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/BootDeviceTree.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::aarch64 {

namespace {
u64 g_rtc = 0; // direct-map address of the PL031, 0 when there is none
constexpr u64 rtc_data = 0x00;
}

void init_real_time_clock(const firmware::DeviceTree& tree)
{
    auto node = tree.find_compatible("arm,pl031");
    if (!node.has_value())
        return;
    auto reg = node->reg(0);
    if (!reg.has_value() || reg->address == 0 || reg->address >= boot::direct_map_max_size)
        return;
    u64 page = align_down(reg->address, page_size);
    VirtualAddress where(mm::direct_map_base + page);
    auto mapped = Arch::Mmu::translate(where).has_value()
        ? Arch::Mmu::protect(where, 1, PageAccess::Write | PageAccess::Uncached)
        : Arch::Mmu::map(where, PhysicalAddress(page), 1, PageAccess::Write | PageAccess::Uncached);
    if (mapped.is_error())
        return;
    g_rtc = mm::direct_map_base + reg->address;
}

Optional<u64> Arch::wall_clock_seconds()
{
    if (!g_rtc)
        return none;
    return u64(mmio_read<u32>(g_rtc + rtc_data));
}

} // namespace ath::aarch64
