#pragma once

// riscv64 implementation of the arch interface (kernel/arch/Arch.h) for QEMU `virt`-like machines
// described by a device tree, in S-mode under SBI firmware: NS16550A console, PLIC, the SBI
// timer, Sv48 paging. Definitions live in the same-named files of this folder (Console, Cpu,
// Exceptions, Mmu, Platform, InterruptController, SelfTestSupport).

namespace ath::riscv64 {

struct Arch {
    static StringView name() { return "riscv64"; }

    // Console.cpp: the 16550 the device tree names (/chosen stdout-path, else ns16550a).
    static void console_init();
    static void console_putc(char character);

    // Platform.cpp
    [[noreturn]] static void halt_forever();
    [[noreturn]] static void power_off(u8 status);
    static u64 cycle_counter();
    static void wait_for_interrupt();

    // Cpu.cpp / Exceptions.cpp
    static void init_cpu();
    static bool interrupts_enabled();
    static void enable_interrupts();
    static void disable_interrupts();
    static Optional<FaultInfo> run_catching_faults(void (*body)(void*), void* context);

    // Mmu.cpp: Sv48 (4 levels, 48-bit VAs); the kernel's tables hold only the upper half.
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

    // InterruptController.cpp: the PLIC (S-mode context of the boot hart) from the device tree,
    // the SBI timer as the tick. `irq` numbers are PLIC sources (QEMU virt UART0 = 10).
    static ErrorOr init_platform(const boot::BootInfo& info);
    static ErrorOr install_irq_handler(u32 irq, IrqHandler handler, void* context);
    static void mask_irq(u32 irq);
    static void unmask_irq(u32 irq);
    static void remove_irq_handler(u32 irq);
    static u64 clock_nanoseconds();
    static u64 timer_ticks();
    static u64 timer_frequency_hz();
    static void set_timer_tick_handler(IrqHandler handler, void* context);
    // Rtc.cpp: the Goldfish RTC the device tree names (none without one).
    static Optional<u64> wall_clock_seconds();

    // SelfTestSupport.cpp
    static bool trigger_fault(FaultKind kind);
    static ReadonlyBytes return_instruction()
    {
        static constexpr u8 ret[] = { 0x67, 0x80, 0x00, 0x00 }; // jalr x0, 0(ra)
        return ReadonlyBytes(ret, sizeof(ret));
    }
    static ErrorOr self_test_device_interrupt();
    static ErrorOr self_test_fp_state_across_interrupts();
    static ErrorOr self_test_firmware_tables();

    // Console.cpp: the console NS16550A's eight byte registers (reg-shift applied).
    static ConsoleUartKind console_uart_kind();
    // InterruptDevices.cpp: the console UART as a Device window (MMIO) with its interrupt line.
    static Optional<DeviceRegisters> console_uart_device();
    static u64 device_read(const DeviceRegisters& registers, u64 offset, u32 width);
    static void device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value);

    // Random.cpp: the Zkr `seed` CSR is not assumed: none (the kernel seeds from other sources).
    static Optional<u64> hardware_random();

    // Thread.cpp / ContextSwitch.S: kernel threads (see Arch.h).
    static uptr initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument);
    static void switch_stack(uptr* save_stack_pointer, uptr next_stack_pointer);

    // Exceptions.cpp. A StackFrame is {frame pointer (s0), the return address stored in that
    // frame}: with frame pointers, s0 points just above the saved pair [s0 - 16] = caller's s0,
    // [s0 - 8] = ra.
    [[gnu::always_inline]] static inline StackFrame current_frame()
    {
        u64 frame_pointer = reinterpret_cast<u64>(__builtin_frame_address(0));
        return StackFrame { frame_pointer, reinterpret_cast<u64>(__builtin_return_address(0)) };
    }
    static Optional<StackFrame> next_frame(StackFrame frame);
    static void dump_current_registers();
};

} // namespace ath::riscv64

namespace ath {
using Arch = riscv64::Arch;
}
