// Platform interrupts and time on device-tree RISC-V machines: the PLIC (the boot hart's S-mode
// context) for device interrupts, the SBI TIME extension as a periodic 1 kHz tick, and the
// `time` CSR scaled by /cpus timebase-frequency as the monotonic clock.
#include <kernel/arch/Arch.h>
#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/riscv64/BootDeviceTree.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::riscv64 {

namespace {

constexpr u32 max_sources = 128; // PLIC sources the kernel routes (QEMU virt uses < 96)
constexpr u64 sbi_time = 0x54494D45; // "TIME"
constexpr u64 sie_timer = 1ULL << 5;
constexpr u64 sie_external = 1ULL << 9;
constexpr u32 supervisor_external_irq = 9; // in the harts' interrupts-extended lists

namespace plic {
constexpr u64 priority = 0x0;
constexpr u64 enable = 0x2000;
constexpr u64 enable_stride = 0x80;
constexpr u64 context = 0x200000;
constexpr u64 context_stride = 0x1000;
constexpr u64 claim = 4;
}

u64 g_plic = 0;          // direct-map address
u64 g_plic_physical = 0;
u32 g_plic_context = 0;
arch_common::IrqSlot g_irq_slots[max_sources] {};
u64 g_timebase = 0;
u64 g_timer_period = 0;
u64 g_next_deadline = 0;
u64 g_unexpected_interrupts = 0;

u64 read_time()
{
    u64 value;
    asm volatile("rdtime %0" : "=r"(value));
    return value;
}

ErrorOr map_device_page(u64 physical)
{
    u64 page = align_down(physical, page_size);
    VirtualAddress where(mm::direct_map_base + page);
    if (Arch::Mmu::translate(where).has_value())
        return Arch::Mmu::protect(where, 1, PageAccess::Write | PageAccess::Uncached);
    return Arch::Mmu::map(where, PhysicalAddress(page), 1, PageAccess::Write | PageAccess::Uncached);
}

// The PLIC context of the boot hart's S-mode: the index of the (phandle, 9) pair in the PLIC's
// interrupts-extended whose phandle is the interrupt controller under the boot hart's cpu node.
Result<u32> supervisor_context(const firmware::DeviceTree& tree, const firmware::DeviceTreeNode& node)
{
    auto pairs = node.property("interrupts-extended");
    if (!pairs.has_value())
        return Error::from(ErrorCode::Malformed, "the PLIC node has no interrupts-extended");
    // The boot hart's local interrupt controller phandle.
    Optional<u32> hart_controller;
    tree.for_each_node([&](const firmware::DeviceTreeNode& candidate) {
        if (candidate.is_compatible("riscv,cpu-intc") && !hart_controller.has_value()) {
            hart_controller = candidate.property_u32("phandle");
            return false;
        }
        return true;
    });
    for (usize index = 0; index * 2 + 1 < pairs->size() / 4; ++index) {
        auto phandle = property_cell(*pairs, index * 2);
        auto irq = property_cell(*pairs, index * 2 + 1);
        if (!phandle.has_value() || !irq.has_value())
            break;
        if (*irq == supervisor_external_irq && (!hart_controller.has_value() || *phandle == *hart_controller))
            return u32(index);
    }
    return Error::from(ErrorCode::NotFound, "the PLIC has no S-mode context for the boot hart");
}

ErrorOr init_plic(const firmware::DeviceTree& tree)
{
    auto node = tree.find_compatible("sifive,plic-1.0.0");
    if (!node.has_value())
        node = tree.find_compatible("riscv,plic0");
    if (!node.has_value())
        return Error::from(ErrorCode::NotFound, "the device tree names no PLIC");
    auto reg = node->reg(0);
    if (!reg.has_value() || reg->address >= boot::direct_map_max_size)
        return Error::from(ErrorCode::Malformed, "the PLIC node has no usable reg");
    g_plic_context = TRY(supervisor_context(tree, *node));
    g_plic_physical = reg->address;
    g_plic = mm::direct_map_base + reg->address;
    // Only the pages the kernel touches: priorities, this context's enables, its threshold/claim.
    TRY(map_device_page(g_plic_physical + plic::priority));
    TRY(map_device_page(g_plic_physical + plic::enable + plic::enable_stride * g_plic_context));
    TRY(map_device_page(g_plic_physical + plic::context + plic::context_stride * g_plic_context));
    for (u32 word = 0; word < max_sources / 32; ++word)
        mmio_write<u32>(g_plic + plic::enable + plic::enable_stride * g_plic_context + u64(4) * word, 0);
    mmio_write<u32>(g_plic + plic::context + plic::context_stride * g_plic_context, 0); // threshold: all
    ATH_SET_CSR(sie, sie_external);
    return {};
}

void program_timer(u64 deadline) { sbi_call(sbi_time, 0, deadline); }

ErrorOr init_timer(const firmware::DeviceTree& tree)
{
    auto cpus = tree.find_path("/cpus");
    if (!cpus.has_value())
        return Error::from(ErrorCode::NotFound, "the device tree has no /cpus node");
    g_timebase = cpus->property_u32("timebase-frequency").value_or(0);
    if (g_timebase < tick_hz)
        return Error::from(ErrorCode::Invalid, "/cpus timebase-frequency is missing or impossible");
    g_timer_period = g_timebase / tick_hz;
    g_next_deadline = read_time() + g_timer_period;
    program_timer(g_next_deadline);
    ATH_SET_CSR(sie, sie_timer);
    return {};
}

} // namespace

void handle_timer_interrupt()
{
    // Next deadline from the previous one (not from now), so late ticks do not drift the rate;
    // periods missed entirely (the emulator or hypervisor did not run us) are dropped, not
    // delivered back to back, as a periodic timer coalesces them.
    g_next_deadline += g_timer_period;
    u64 now = read_time();
    if (g_next_deadline <= now)
        g_next_deadline = now + g_timer_period;
    program_timer(g_next_deadline);
    count_timer_tick();
}

void handle_external_interrupt()
{
    u64 claim = g_plic + plic::context + plic::context_stride * g_plic_context + plic::claim;
    u32 source = mmio_read<u32>(claim);
    if (source == 0)
        return; // already claimed elsewhere
    if (source < max_sources && g_irq_slots[source].handler)
        g_irq_slots[source].dispatch();
    else
        ++g_unexpected_interrupts;
    mmio_write<u32>(claim, source);
}

ErrorOr Arch::init_platform(const boot::BootInfo& info)
{
    auto tree = TRY(boot_device_tree(reinterpret_cast<u64>(&info)));
    TRY(init_plic(tree));
    TRY(init_timer(tree));
    init_real_time_clock(tree);
    println("athanor: PLIC at {:#x} (S-mode context {}), timebase {} Hz (tick {} Hz via SBI)", g_plic_physical,
            g_plic_context, g_timebase, tick_hz);
    return {};
}

namespace {

// Sets or clears the source's bit in this context's enable words (a read-modify-write, so with
// interrupts off; a handler already runs with them off).
void set_source_enabled(u32 source, bool enabled)
{
    InterruptsDisabled no_interrupts;
    u64 enable = g_plic + plic::enable + plic::enable_stride * g_plic_context + u64(4) * (source / 32);
    u32 bit = 1u << (source % 32);
    u32 word = mmio_read<u32>(enable);
    mmio_write<u32>(enable, enabled ? (word | bit) : (word & ~bit));
}

} // namespace

// Lines are numbered as the interface numbers them.
Optional<IrqLine> IrqControllerPort::line(u32 irq)
{
    if (g_plic == 0 || irq == 0 || irq >= max_sources)
        return none;
    return irq;
}

arch_common::IrqSlot& IrqControllerPort::slot(const IrqLine& line) { return g_irq_slots[line]; }

void IrqControllerPort::set_enabled(const IrqLine& line, bool enabled) { set_source_enabled(line, enabled); }

ErrorOr IrqControllerPort::install(u32 irq, IrqHandler handler, void* context, bool yields)
{
    if (irq == 0 || irq >= max_sources)
        return Error::from(ErrorCode::OutOfRange, "not a PLIC source the kernel routes");
    if (handler == nullptr)
        return Error::from(ErrorCode::InvalidArgument, "null IRQ handler");
    if (g_plic == 0)
        return Error::from(ErrorCode::Invalid, "the interrupt controller is not initialised");
    InterruptsDisabled no_interrupts;
    if (!g_irq_slots[irq].claim(handler, context, yields))
        return Error::from(ErrorCode::AlreadyExists, "the interrupt already has a handler");
    mmio_write<u32>(g_plic + plic::priority + u64(4) * irq, 1);
    set_source_enabled(irq, true);
    return {};
}

u64 Arch::clock_nanoseconds()
{
    if (g_timebase == 0)
        return 0;
    u64 count = read_time();
    return (count / g_timebase) * 1'000'000'000 + (count % g_timebase) * 1'000'000'000 / g_timebase;
}

// The tick is programmed from the counter the clock reads: a measurement would be circular.
Result<Optional<u64>> Arch::measure_timer_hz(u64) { return Optional<u64> {}; }

} // namespace ath::riscv64
