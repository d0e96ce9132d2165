#pragma once

// x86_64 implementation of the arch interface (kernel/arch/Arch.h). Definitions live in the
// same-named files of this folder (Console, Cpu, Interrupts, InterruptControllers, Mmu, Platform,
// SelfTestSupport).

namespace ath::x86_64 {

struct Arch {
    static StringView name() { return "x86_64"; }

    // Console.cpp: COM1 16550.
    static void console_init();
    static void console_putc(char character);

    // Platform.cpp
    [[noreturn]] static void halt_forever();
    [[noreturn]] static void power_off(u8 status);
    static u64 cycle_counter();
    static void wait_for_interrupt();

    // Cpu.cpp / Interrupts.cpp
    static void init_cpu();
    static bool interrupts_enabled();
    static void enable_interrupts();
    static void disable_interrupts();
    static Optional<FaultInfo> run_catching_faults(void (*body)(void*), void* context);

    // Mmu.cpp: 4-level paging with NX.
    struct Mmu {
        static ErrorOr init(const boot::BootInfo& info);
        static ErrorOr map(VirtualAddress base, PhysicalAddress physical, u64 page_count, PageAccess access);
        static ErrorOr unmap(VirtualAddress base, u64 page_count);
        static ErrorOr protect(VirtualAddress base, u64 page_count, PageAccess access);
        static Optional<PhysicalAddress> translate(VirtualAddress address);
        static void flush(VirtualAddress base, u64 page_count);
        static void set_tlb_shootdown_hook(TlbShootdownHook hook);
        static u64 page_tables_in_use();
    };

    // InterruptControllers.cpp: ACPI MADT/HPET, LAPIC timer, I/O APIC routing. `irq` numbers are
    // legacy ISA IRQs (COM1 = 4), routed through the MADT's overrides.
    static ErrorOr init_platform(const boot::BootInfo& info);
    static ErrorOr install_irq_handler(u32 irq, IrqHandler handler, void* context);
    static void mask_irq(u32 irq);
    static void unmask_irq(u32 irq);
    static void remove_irq_handler(u32 irq);
    static u64 clock_nanoseconds();
    static u64 timer_ticks();
    static u64 timer_frequency_hz();
    // Optional capability (used by the tick-rate self-test when a port has it): the tick rate the
    // programmed timer actually runs at, measured against the clock without relying on interrupt
    // delivery (which an emulator under host load coalesces).
    static Result<u64> measure_timer_hz(u64 window_ns);
    static void set_timer_tick_handler(IrqHandler handler, void* context);
    // Rtc.cpp: the CMOS real-time clock (read once per call; UTC as QEMU provides it).
    static Optional<u64> wall_clock_seconds();

    // SelfTestSupport.cpp
    static bool trigger_fault(FaultKind kind);
    static ReadonlyBytes return_instruction()
    {
        static constexpr u8 ret[] = { 0xC3 };
        return ReadonlyBytes(ret, sizeof(ret));
    }
    static ErrorOr self_test_device_interrupt();
    static ErrorOr self_test_fp_state_across_interrupts();
    static ErrorOr self_test_firmware_tables(); // FirmwareTablesSelfTest.cpp: ACPI MADT + HPET

    // InterruptDevices.cpp: COM1 (a 16550) as a Device window (ports 0x3F8..0x3FF, IRQ 4); port I/O only.
    static ConsoleUartKind console_uart_kind();
    static Optional<DeviceRegisters> console_uart_device();
    static u64 device_read(const DeviceRegisters& registers, u64 offset, u32 width);
    static void device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value);

    // Random.cpp: RDRAND (none when the CPU lacks it or it keeps failing).
    static Optional<u64> hardware_random();

    // Thread.cpp / ContextSwitch.S: kernel threads (see Arch.h).
    static uptr initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument);
    static void switch_stack(uptr* save_stack_pointer, uptr next_stack_pointer);

    // Interrupts.cpp. A StackFrame is {frame pointer, the return address stored in that frame}.
    [[gnu::always_inline]] static inline StackFrame current_frame()
    {
        u64 frame_pointer = reinterpret_cast<u64>(__builtin_frame_address(0));
        return StackFrame { frame_pointer, reinterpret_cast<u64>(__builtin_return_address(0)) };
    }
    static Optional<StackFrame> next_frame(StackFrame frame);
    static void dump_current_registers();
};

} // namespace ath::x86_64

namespace ath {
using Arch = x86_64::Arch;
}
