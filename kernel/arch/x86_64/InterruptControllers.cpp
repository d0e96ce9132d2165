// Platform interrupts and time on PC hardware: ACPI MADT/HPET discovery, the HPET as the
// monotonic clock, the local APIC timer (calibrated against the HPET) as a periodic tick, I/O APIC
// routing for device IRQs, and the legacy 8259 PICs remapped and masked so they stay silent.
#include <kernel/acpi/Acpi.h>
#include <kernel/acpi/DirectMapReader.h>
#include <kernel/arch/Arch.h>
#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/x86_64/Com1Input.h>
#include <kernel/arch/x86_64/InterruptFrame.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::x86_64 {

namespace {

volatile u32* g_lapic = nullptr;
volatile u32* g_ioapic = nullptr;
u32 g_ioapic_gsi_base = 0;
u32 g_ioapic_inputs = 0;
volatile u64* g_hpet = nullptr;
u64 g_hpet_period_fs = 0;
acpi::MadtInfo g_madt {};
arch_common::IrqSlot g_irq_slots[vector::irq_count] {};
arch_common::IrqSlot g_msi_slots[vector::msi_count] {};
u64 g_unexpected_interrupts = 0;

namespace lapic_reg {
constexpr u32 id = 0x20;
constexpr u32 task_priority = 0x80;
constexpr u32 end_of_interrupt = 0xB0;
constexpr u32 spurious = 0xF0;
constexpr u32 lvt_timer = 0x320;
constexpr u32 timer_initial = 0x380;
constexpr u32 timer_current = 0x390;
constexpr u32 timer_divide = 0x3E0;
}

u32 lapic_read(u32 reg) { return g_lapic[reg / 4]; }
void lapic_write(u32 reg, u32 value) { g_lapic[reg / 4] = value; }

u32 ioapic_read(u32 reg)
{
    g_ioapic[0] = reg;
    return g_ioapic[4];
}
void ioapic_write(u32 reg, u32 value)
{
    g_ioapic[0] = reg;
    g_ioapic[4] = value;
}

u64 hpet_counter() { return g_hpet[0xF0 / 8]; }

// Maps one page of device registers uncached at its direct-map address.
Result<u64> map_device_page(u64 physical)
{
    u64 page = align_down(physical, page_size);
    VirtualAddress virtual_address(mm::direct_map_base + page);
    auto mapped = Arch::Mmu::translate(virtual_address);
    if (!mapped.has_value()) {
        TRY(Arch::Mmu::map(virtual_address, PhysicalAddress(page), 1, PageAccess::Write | PageAccess::Uncached));
    } else {
        // Already in the direct map (a Reserved/MMIO range of the memory map): make it uncached.
        TRY(Arch::Mmu::protect(virtual_address, 1, PageAccess::Write | PageAccess::Uncached));
    }
    return mm::direct_map_base + physical;
}

void silence_legacy_pics()
{
    // Remap the 8259s to vectors 0x20-0x2F (away from CPU exceptions), then mask every line.
    constexpr u16 master_command = 0x20, master_data = 0x21, slave_command = 0xA0, slave_data = 0xA1;
    out8(master_command, 0x11);
    out8(slave_command, 0x11);
    out8(master_data, 0x20);
    out8(slave_data, 0x28);
    out8(master_data, 4);
    out8(slave_data, 2);
    out8(master_data, 1);
    out8(slave_data, 1);
    out8(master_data, 0xFF);
    out8(slave_data, 0xFF);
}

ErrorOr init_hpet(const acpi::Tables& tables)
{
    auto hpet_table = TRY(tables.find("HPET"));
    auto info = TRY(acpi::parse_hpet(hpet_table));
    g_hpet = reinterpret_cast<volatile u64*>(TRY(map_device_page(info.address)));
    u64 capabilities = g_hpet[0];
    g_hpet_period_fs = capabilities >> 32;
    // The specification caps the period at 100 ns; zero or more means a broken table or device.
    if (g_hpet_period_fs == 0 || g_hpet_period_fs > 100000000)
        return Error::from(ErrorCode::Invalid, "HPET reports an impossible counter period");
    g_hpet[0x10 / 8] = g_hpet[0x10 / 8] | 1; // ENABLE_CNF: the main counter runs
    return {};
}

void busy_wait_nanoseconds(u64 nanoseconds)
{
    u64 until = Arch::clock_nanoseconds() + nanoseconds;
    while (Arch::clock_nanoseconds() < until)
        asm volatile("pause");
}

u64 g_timer_counts_per_tick = 0;

ErrorOr init_lapic_timer()
{
    lapic_write(lapic_reg::timer_divide, 0x3); // divide by 16
    lapic_write(lapic_reg::lvt_timer, 1u << 16); // masked one-shot while calibrating
    constexpr u64 calibration_ns = 20'000'000;
    lapic_write(lapic_reg::timer_initial, 0xFFFFFFFF);
    u64 start = Arch::clock_nanoseconds();
    busy_wait_nanoseconds(calibration_ns);
    u32 remaining = lapic_read(lapic_reg::timer_current);
    u64 elapsed = Arch::clock_nanoseconds() - start;
    lapic_write(lapic_reg::timer_initial, 0);
    u64 counted = 0xFFFFFFFFu - remaining;
    if (counted == 0 || elapsed == 0)
        return Error::from(ErrorCode::Invalid, "the local APIC timer did not count during calibration");
    g_timer_counts_per_tick = counted * (1'000'000'000 / tick_hz) / elapsed;
    if (g_timer_counts_per_tick == 0)
        return Error::from(ErrorCode::Invalid, "the local APIC timer is too slow for the tick rate");
    lapic_write(lapic_reg::lvt_timer, u32(vector::lapic_timer) | (1u << 17)); // periodic
    lapic_write(lapic_reg::timer_initial, u32(g_timer_counts_per_tick));
    return {};
}

ErrorOr init_io_apic()
{
    auto& io_apic = g_madt.io_apics[0];
    g_ioapic = reinterpret_cast<volatile u32*>(TRY(map_device_page(io_apic.address)));
    g_ioapic_gsi_base = io_apic.gsi_base;
    g_ioapic_inputs = ((ioapic_read(1) >> 16) & 0xFF) + 1;
    for (u32 input = 0; input < g_ioapic_inputs; ++input) {
        ioapic_write(0x10 + 2 * input, 1u << 16); // masked
        ioapic_write(0x11 + 2 * input, 0);
    }
    return {};
}

} // namespace

Result<Optional<u64>> Arch::measure_timer_hz(u64 window_ns)
{
    if (!g_lapic || !g_hpet || g_timer_counts_per_tick == 0)
        return Error::from(ErrorCode::Invalid, "the timer is not running");
    if (window_ns == 0)
        return Error::from(ErrorCode::Invalid, "an empty window measures nothing");
    // Re-time the LAPIC counter against the HPET in one-shot mode (masked, so no tick is lost to
    // it), then restore the periodic tick. Both counters follow the same clock whatever the host
    // does, so only the moments of the two end reads matter: they are taken between two clock
    // reads and retried when the CPU was held up in between.
    bool were_enabled = interrupts_enabled();
    disable_interrupts();
    lapic_write(lapic_reg::lvt_timer, (1u << 16) | u32(vector::lapic_timer));
    lapic_write(lapic_reg::timer_initial, 0xFFFFFFFF);
    u64 start = clock_nanoseconds();
    u64 start_count = lapic_read(lapic_reg::timer_current);
    Optional<u64> measured;
    for (usize attempt = 0; attempt < 8 && !measured.has_value(); ++attempt) {
        busy_wait_nanoseconds(window_ns);
        u64 before = clock_nanoseconds();
        u64 count = lapic_read(lapic_reg::timer_current);
        u64 after = clock_nanoseconds();
        if (after - before > 50'000 || count == 0)
            continue;
        // The moment of the count read, taken as the middle of the two clock reads around it.
        u64 elapsed = before + (after - before) / 2 - start;
        if (elapsed == 0)
            continue; // the clock did not move: nothing to divide by
        u64 counted = start_count - count;
        // ticks per second = counted / counts_per_tick / (elapsed / 10^9); fits in 64 bits for
        // windows up to seconds at LAPIC rates.
        measured = counted * 1'000'000'000 / (g_timer_counts_per_tick * elapsed);
    }
    lapic_write(lapic_reg::lvt_timer, u32(vector::lapic_timer) | (1u << 17));
    lapic_write(lapic_reg::timer_initial, u32(g_timer_counts_per_tick));
    if (were_enabled)
        enable_interrupts();
    if (!measured.has_value())
        return Error::from(ErrorCode::TimedOut, "could not read the timer without being held up");
    return measured;
}

void lapic_end_of_interrupt() { lapic_write(lapic_reg::end_of_interrupt, 0); }

void dispatch_irq(u64 vector_number)
{
    if (vector_number == vector::spurious || (vector_number >= 0x20 && vector_number < 0x30))
        return; // spurious LAPIC or legacy PIC vectors: no EOI by definition
    if (vector_number == vector::lapic_timer) {
        count_timer_tick();
    } else if (vector_number >= vector::first_irq && vector_number < vector::first_irq + vector::irq_count) {
        auto& slot = g_irq_slots[vector_number - vector::first_irq];
        if (slot.handler)
            slot.dispatch();
        else
            ++g_unexpected_interrupts;
    } else if (vector_number >= vector::first_msi && vector_number < vector::first_msi + vector::msi_count) {
        auto& slot = g_msi_slots[vector_number - vector::first_msi];
        if (slot.handler)
            slot.dispatch();
        else
            ++g_unexpected_interrupts;
    } else {
        ++g_unexpected_interrupts;
    }
    if (g_lapic)
        lapic_end_of_interrupt();
}

ErrorOr Arch::init_platform(const boot::BootInfo& info)
{
    silence_legacy_pics();
    acpi::DirectMapReader reader;
    auto tables = TRY(acpi::Tables::create(reader, PhysicalAddress(info.acpi_rsdp)));
    auto madt_table = TRY(tables.find("APIC"));
    g_madt = TRY(acpi::parse_madt(madt_table));
    TRY(init_hpet(tables));

    g_lapic = reinterpret_cast<volatile u32*>(TRY(map_device_page(g_madt.local_apic_address)));
    write_msr(msr::apic_base, read_msr(msr::apic_base) | (1u << 11)); // APIC global enable
    lapic_write(lapic_reg::task_priority, 0);
    lapic_write(lapic_reg::spurious, 0x100 | u32(vector::spurious));
    TRY(init_io_apic());
    TRY(init_com1_input());
    TRY(init_lapic_timer());
    println("athanor: platform: ACPI rev {} ({} tables), {} CPUs, LAPIC at {:#x}, I/O APIC at {:#x} ({} inputs), "
            "HPET period {} fs, LAPIC timer {} counts per {} Hz tick",
            tables.revision(), tables.table_count(), g_madt.processor_count, g_madt.local_apic_address,
            g_madt.io_apics[0].address, g_ioapic_inputs, g_hpet_period_fs, g_timer_counts_per_tick, tick_hz);
    return {};
}

namespace {

Result<IrqLine> route_irq(u32 isa_irq)
{
    // `irq` is the legacy ISA IRQ number on PC hardware; the MADT says which GSI it arrives on.
    if (!g_ioapic)
        return Error::from(ErrorCode::Invalid, "interrupt controllers are not initialised");
    if (isa_irq > 15)
        return Error::from(ErrorCode::InvalidArgument, "not an ISA IRQ number");
    auto route = g_madt.route_isa_irq(u8(isa_irq));
    if (route.gsi < g_ioapic_gsi_base || route.gsi - g_ioapic_gsi_base >= g_ioapic_inputs
        || route.gsi >= vector::irq_count)
        return Error::from(ErrorCode::Unsupported, "IRQ is routed to a GSI this kernel does not handle");
    return IrqLine { route.gsi, route.gsi - g_ioapic_gsi_base, route.flags };
}

} // namespace

Optional<IrqLine> IrqControllerPort::line(u32 isa_irq)
{
    auto route = route_irq(isa_irq);
    if (route.is_error())
        return none;
    return route.value();
}

arch_common::IrqSlot& IrqControllerPort::slot(const IrqLine& line) { return g_irq_slots[line.gsi]; }

// Clears or sets the mask bit of the line's redirection entry. The I/O APIC is reached through an
// index/data register pair, so the sequence runs with interrupts off (a handler may do the same).
void IrqControllerPort::set_enabled(const IrqLine& line, bool enabled)
{
    InterruptsDisabled no_interrupts;
    u32 low = ioapic_read(0x10 + 2 * line.input);
    low = enabled ? (low & ~(1u << 16)) : (low | (1u << 16));
    ioapic_write(0x10 + 2 * line.input, low);
}

ErrorOr IrqControllerPort::install(u32 isa_irq, IrqHandler handler, void* context, bool yields)
{
    if (handler == nullptr)
        return Error::from(ErrorCode::InvalidArgument, "no IRQ handler");
    IrqLine route = TRY(route_irq(isa_irq));
    InterruptsDisabled no_interrupts;
    if (!g_irq_slots[route.gsi].claim(handler, context, yields))
        return Error::from(ErrorCode::Busy, "IRQ already has a handler");

    u32 low = u32(vector::first_irq + route.gsi);
    // ISA defaults are active-high, edge-triggered; an override may say otherwise.
    if ((route.flags & 0x3) == 0x3)
        low |= 1u << 13; // active low
    if (((route.flags >> 2) & 0x3) == 0x3)
        low |= 1u << 15; // level triggered
    u32 destination = lapic_read(lapic_reg::id) >> 24;
    ioapic_write(0x11 + 2 * route.input, destination << 24);
    ioapic_write(0x10 + 2 * route.input, low);
    return {};
}

// MSI on x86_64: the message goes to this CPU's local APIC (address 0xFEE00000 with the
// destination APIC ID in bits 12-19, physical mode) and names the vector (fixed delivery, edge).
Result<Arch::MsiMessage> Arch::install_msi_handler(IrqHandler handler, void* context)
{
    if (handler == nullptr)
        return Error::from(ErrorCode::InvalidArgument, "no MSI handler");
    if (!g_lapic)
        return Error::from(ErrorCode::Invalid, "interrupt controllers are not initialised");
    InterruptsDisabled no_interrupts;
    for (u32 index = 0; index < vector::msi_count; ++index) {
        if (g_msi_slots[index].handler || !g_msi_slots[index].claim(handler, context, false))
            continue;
        u32 destination = lapic_read(lapic_reg::id) >> 24;
        u32 number = u32(vector::first_msi + index);
        return MsiMessage { 0xFEE0'0000ull | u64(destination) << 12, number, number };
    }
    return Error::from(ErrorCode::Exhausted, "every MSI vector is taken");
}

void Arch::remove_msi_handler(u32 number)
{
    if (number < vector::first_msi || number >= vector::first_msi + vector::msi_count)
        return;
    InterruptsDisabled no_interrupts;
    g_msi_slots[number - vector::first_msi] = arch_common::IrqSlot {};
}

u64 Arch::clock_nanoseconds()
{
    if (!g_hpet)
        return 0;
    // counter * period_fs / 10^6 without 128-bit division (no compiler runtime in the kernel).
    u64 counter = hpet_counter();
    return (counter / 1'000'000) * g_hpet_period_fs + (counter % 1'000'000) * g_hpet_period_fs / 1'000'000;
}


} // namespace ath::x86_64
