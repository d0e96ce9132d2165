// Platform interrupts and time on device-tree machines: the GIC (v3 with system-register CPU
// interface and redistributors, or v2 with a memory-mapped CPU interface) and the generic
// timer's virtual channel (CNTV) as a periodic 1 kHz tick; CNTVCT scaled by CNTFRQ is the
// monotonic clock.
#include <kernel/arch/Arch.h>
#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/aarch64/BootDeviceTree.h>
#include <kernel/arch/aarch64/ExceptionFrame.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::aarch64 {

namespace {

constexpr u32 max_interrupts = 256; // INTIDs the kernel routes (SGIs, PPIs, the first 224 SPIs)
constexpr u32 spurious_interrupt = 1020;
constexpr u8 default_priority = 0xA0;

namespace gicd {
constexpr u64 control = 0x000;
constexpr u64 group = 0x080;
constexpr u64 set_enable = 0x100;
constexpr u64 clear_enable = 0x180;
constexpr u64 priority = 0x400;
constexpr u64 targets = 0x800; // v2
constexpr u64 route = 0x6000;  // v3
constexpr u32 control_rwp = 1u << 31;
}
namespace gicr {
constexpr u64 waker = 0x14;
constexpr u64 sgi_frame = 0x10000;
}
namespace gicc { // v2 CPU interface
constexpr u64 control = 0x00;
constexpr u64 priority_mask = 0x04;
constexpr u64 binary_point = 0x08;
constexpr u64 acknowledge = 0x0C;
constexpr u64 end_of_interrupt = 0x10;
}

u32 g_gic_version = 0;
u64 g_distributor = 0;
u64 g_redistributor = 0; // v3: this CPU's RD frame
u64 g_cpu_interface = 0; // v2
arch_common::IrqSlot g_irq_slots[max_interrupts] {};
u64 g_counter_frequency = 0;
u64 g_timer_period = 0;
u32 g_timer_interrupt = 0;
u64 g_unexpected_interrupts = 0;

// Maps device registers uncached at their direct-map address.
Result<u64> map_device(u64 physical, u64 size)
{
    u64 base = align_down(physical, page_size);
    u64 end = align_up(physical + size, page_size);
    for (u64 page = base; page < end; page += page_size) {
        VirtualAddress virtual_address(mm::direct_map_base + page);
        if (Arch::Mmu::translate(virtual_address).has_value())
            TRY(Arch::Mmu::protect(virtual_address, 1, PageAccess::Write | PageAccess::Uncached));
        else
            TRY(Arch::Mmu::map(virtual_address, PhysicalAddress(page), 1, PageAccess::Write | PageAccess::Uncached));
    }
    return mm::direct_map_base + physical;
}

void wait_for_distributor()
{
    for (u32 spins = 0; spins < 1000000 && (mmio_read<u32>(g_distributor + gicd::control) & gicd::control_rwp); ++spins) { }
}

ErrorOr init_gic_v3(const firmware::DeviceTreeNode& node)
{
    auto distributor = node.reg(0);
    auto redistributors = node.reg(1);
    if (!distributor.has_value() || !redistributors.has_value())
        return Error::from(ErrorCode::Malformed, "the GICv3 node lacks distributor/redistributor registers");
    g_distributor = TRY(map_device(distributor->address, 0x10000));
    // One CPU for now: the first redistributor (RD + SGI frames, 128 KiB) is ours.
    g_redistributor = TRY(map_device(redistributors->address, 0x20000));
    ATH_WRITE_SYSREG(icc_sre_el1, ATH_READ_SYSREG(icc_sre_el1) | 1);
    instruction_barrier();
    mmio_write<u32>(g_distributor + gicd::control, (1u << 4) | (1u << 1) | (1u << 0)); // ARE, Group 1, Group 0
    wait_for_distributor();
    u32 waker = mmio_read<u32>(g_redistributor + gicr::waker);
    mmio_write<u32>(g_redistributor + gicr::waker, waker & ~(1u << 1)); // ProcessorSleep off
    for (u32 spins = 0; spins < 1000000 && (mmio_read<u32>(g_redistributor + gicr::waker) & (1u << 2)); ++spins) { }
    if (mmio_read<u32>(g_redistributor + gicr::waker) & (1u << 2))
        return Error::from(ErrorCode::TimedOut, "the GICv3 redistributor did not wake up");
    mmio_write<u32>(g_redistributor + gicr::sgi_frame + gicd::group, 0xFFFFFFFF); // SGIs/PPIs in group 1
    ATH_WRITE_SYSREG(icc_pmr_el1, 0xFF);
    ATH_WRITE_SYSREG(icc_bpr1_el1, 0);
    ATH_WRITE_SYSREG(icc_igrpen1_el1, 1);
    instruction_barrier();
    return {};
}

ErrorOr init_gic_v2(const firmware::DeviceTreeNode& node)
{
    auto distributor = node.reg(0);
    auto cpu_interface = node.reg(1);
    if (!distributor.has_value() || !cpu_interface.has_value())
        return Error::from(ErrorCode::Malformed, "the GICv2 node lacks distributor/CPU interface registers");
    g_distributor = TRY(map_device(distributor->address, 0x1000));
    g_cpu_interface = TRY(map_device(cpu_interface->address, 0x2000));
    mmio_write<u32>(g_distributor + gicd::control, 1);
    mmio_write<u32>(g_cpu_interface + gicc::priority_mask, 0xFF);
    mmio_write<u32>(g_cpu_interface + gicc::binary_point, 0);
    mmio_write<u32>(g_cpu_interface + gicc::control, 1);
    return {};
}

void enable_interrupt(u32 intid)
{
    u64 bank = u64(4) * (intid / 32);
    u32 bit = 1u << (intid % 32);
    if (g_gic_version == 3 && intid < 32) {
        u64 frame = g_redistributor + gicr::sgi_frame;
        mmio_write<u8>(frame + gicd::priority + intid, default_priority);
        mmio_write<u32>(frame + gicd::set_enable, bit);
        return;
    }
    mmio_write<u8>(g_distributor + gicd::priority + intid, default_priority);
    if (g_gic_version == 3) {
        mmio_write<u32>(g_distributor + gicd::group + bank, mmio_read<u32>(g_distributor + gicd::group + bank) | bit);
        u64 affinity = ATH_READ_SYSREG(mpidr_el1) & 0xFF00FFFFFFULL;
        mmio_write<u64>(g_distributor + gicd::route + u64(8) * intid, affinity);
    } else if (intid >= 32) {
        mmio_write<u8>(g_distributor + gicd::targets + intid, 1); // CPU interface 0
    }
    mmio_write<u32>(g_distributor + gicd::set_enable + bank, bit);
    wait_for_distributor();
}

u32 acknowledge()
{
    if (g_gic_version == 3)
        return u32(ATH_READ_SYSREG(icc_iar1_el1) & 0xFFFFFF);
    return mmio_read<u32>(g_cpu_interface + gicc::acknowledge) & 0x3FF;
}

void end_of_interrupt(u32 intid)
{
    if (g_gic_version == 3) {
        ATH_WRITE_SYSREG(icc_eoir1_el1, intid);
        instruction_barrier();
    } else {
        mmio_write<u32>(g_cpu_interface + gicc::end_of_interrupt, intid);
    }
}

void timer_tick(void*)
{
    // Next deadline from the previous one (not from now), so late ticks do not drift the rate;
    // periods missed entirely (the emulator or hypervisor did not run us) are dropped, not
    // delivered back to back, as a periodic timer coalesces them.
    u64 deadline = ATH_READ_SYSREG(cntv_cval_el0) + g_timer_period;
    u64 now = ATH_READ_SYSREG(cntvct_el0);
    if (deadline <= now)
        deadline = now + g_timer_period;
    ATH_WRITE_SYSREG(cntv_cval_el0, deadline);
    instruction_barrier();
    count_timer_tick();
}

ErrorOr init_timer(const firmware::DeviceTree& tree)
{
    auto node = tree.find_compatible("arm,armv8-timer");
    if (!node.has_value())
        return Error::from(ErrorCode::NotFound, "the device tree has no arm,armv8-timer node");
    // interrupts: secure physical, non-secure physical, virtual, hypervisor.
    auto virtual_timer = gic_interrupt(*node, 2);
    if (!virtual_timer.has_value() || *virtual_timer >= 32)
        return Error::from(ErrorCode::Malformed, "the timer node has no virtual-timer PPI");
    g_counter_frequency = ATH_READ_SYSREG(cntfrq_el0);
    if (g_counter_frequency < tick_hz)
        return Error::from(ErrorCode::Invalid, "CNTFRQ_EL0 reports an impossible counter frequency");
    g_timer_period = g_counter_frequency / tick_hz;
    g_timer_interrupt = *virtual_timer;
    TRY(Arch::install_irq_handler(g_timer_interrupt, timer_tick, nullptr));
    instruction_barrier();
    ATH_WRITE_SYSREG(cntv_cval_el0, ATH_READ_SYSREG(cntvct_el0) + g_timer_period);
    ATH_WRITE_SYSREG(cntv_ctl_el0, 1); // enabled, not masked
    instruction_barrier();
    return {};
}

} // namespace

void handle_irq()
{
    u32 intid = acknowledge();
    if (intid >= spurious_interrupt)
        return;
    if (intid < max_interrupts && g_irq_slots[intid].handler)
        g_irq_slots[intid].dispatch();
    else
        ++g_unexpected_interrupts;
    end_of_interrupt(intid);
}

ErrorOr Arch::init_platform(const boot::BootInfo& info)
{
    auto tree = TRY(boot_device_tree(reinterpret_cast<u64>(&info)));
    Optional<firmware::DeviceTreeNode> gic = tree.find_compatible("arm,gic-v3");
    if (gic.has_value()) {
        g_gic_version = 3;
        TRY(init_gic_v3(*gic));
    } else {
        gic = tree.find_compatible("arm,cortex-a15-gic");
        if (!gic.has_value())
            gic = tree.find_compatible("arm,gic-400");
        if (!gic.has_value())
            return Error::from(ErrorCode::NotFound, "the device tree names no GICv2 or GICv3");
        g_gic_version = 2;
        TRY(init_gic_v2(*gic));
    }
    TRY(init_timer(tree));
    init_real_time_clock(tree);
    println("athanor: GICv{} at {:#x}, generic timer {} Hz (tick {} Hz on INTID {})", g_gic_version,
            g_distributor - mm::direct_map_base, g_counter_frequency, tick_hz, g_timer_interrupt);
    return {};
}

namespace {

// One write to the distributor's (or, for v3 SGIs/PPIs, the redistributor's) set/clear-enable
// register: no read-modify-write, so it is safe from any context.
void write_enable_bit(u32 intid, u64 reg)
{
    u32 bit = 1u << (intid % 32);
    if (g_gic_version == 3 && intid < 32)
        mmio_write<u32>(g_redistributor + gicr::sgi_frame + reg, bit);
    else
        mmio_write<u32>(g_distributor + reg + u64(4) * (intid / 32), bit);
    if (g_gic_version == 2 || intid >= 32)
        wait_for_distributor();
}

} // namespace

// Lines are numbered as the interface numbers them.
Optional<IrqLine> IrqControllerPort::line(u32 irq)
{
    if (g_gic_version == 0 || irq < 16 || irq >= max_interrupts)
        return none;
    return irq;
}

arch_common::IrqSlot& IrqControllerPort::slot(const IrqLine& line) { return g_irq_slots[line]; }

void IrqControllerPort::set_enabled(const IrqLine& line, bool enabled)
{
    write_enable_bit(line, enabled ? gicd::set_enable : gicd::clear_enable);
}

ErrorOr IrqControllerPort::install(u32 irq, IrqHandler handler, void* context, bool yields)
{
    if (irq < 16 || irq >= max_interrupts)
        return Error::from(ErrorCode::OutOfRange, "not a PPI/SPI the kernel routes");
    if (handler == nullptr)
        return Error::from(ErrorCode::InvalidArgument, "null IRQ handler");
    if (g_gic_version == 0)
        return Error::from(ErrorCode::Invalid, "the interrupt controller is not initialised");
    InterruptsDisabled no_interrupts;
    if (!g_irq_slots[irq].claim(handler, context, yields))
        return Error::from(ErrorCode::AlreadyExists, "the interrupt already has a handler");
    enable_interrupt(irq);
    return {};
}

u64 Arch::clock_nanoseconds()
{
    if (g_counter_frequency == 0)
        return 0;
    instruction_barrier();
    u64 count = ATH_READ_SYSREG(cntvct_el0);
    // Split so the multiplication cannot overflow for centuries of uptime.
    return (count / g_counter_frequency) * 1'000'000'000 + (count % g_counter_frequency) * 1'000'000'000 / g_counter_frequency;
}

// The tick is programmed from the counter the clock reads: a measurement would be circular.
Result<Optional<u64>> Arch::measure_timer_hz(u64) { return Optional<u64> {}; }

} // namespace ath::aarch64
