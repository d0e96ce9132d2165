// Wall-clock time from the PL031 real-time clock (QEMU virt: seconds since the Unix epoch, UTC).
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/BootDeviceTree.h>
#include <kernel/arch/aarch64/SystemRegisters.h>

namespace ath::aarch64 {

namespace {
u64 g_rtc = 0; // direct-map address of the PL031, 0 when there is none
constexpr u64 rtc_data = 0x00;
}

void init_real_time_clock(const firmware::DeviceTree& tree)
{
    g_rtc = map_device_registers(tree, "arm,pl031").value_or(0);
}

Optional<u64> Arch::wall_clock_seconds()
{
    if (!g_rtc)
        return none;
    return u64(mmio_read<u32>(g_rtc + rtc_data));
}

} // namespace ath::aarch64
