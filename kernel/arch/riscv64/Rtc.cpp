// Wall-clock time from the Goldfish RTC (QEMU virt: nanoseconds since the Unix epoch, UTC;
// reading TIME_LOW latches TIME_HIGH).
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/BootDeviceTree.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::riscv64 {

namespace {
u64 g_rtc = 0; // direct-map address, 0 when there is none
constexpr u64 time_low = 0x00;
constexpr u64 time_high = 0x04;
}

void init_real_time_clock(const firmware::DeviceTree& tree)
{
    auto node = tree.find_compatible("google,goldfish-rtc");
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
    u64 low = mmio_read<u32>(g_rtc + time_low);
    u64 high = mmio_read<u32>(g_rtc + time_high);
    return ((high << 32) | low) / 1'000'000'000;
}

} // namespace ath::riscv64
