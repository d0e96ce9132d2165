// Wall-clock time from the Goldfish RTC (QEMU virt: nanoseconds since the Unix epoch, UTC;
// reading TIME_LOW latches TIME_HIGH).
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/BootDeviceTree.h>
#include <kernel/arch/riscv64/TrapFrame.h>

namespace ath::riscv64 {

namespace {
u64 g_rtc = 0; // direct-map address, 0 when there is none
constexpr u64 time_low = 0x00;
constexpr u64 time_high = 0x04;
}

void init_real_time_clock(const firmware::DeviceTree& tree)
{
    g_rtc = map_device_registers(tree, "google,goldfish-rtc").value_or(0);
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
