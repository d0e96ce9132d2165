#pragma once

// The one interface between generic kernel code and an architecture.
//
// Generic code (kernel/mm, kernel/main, kernel/selftest, ...) only ever talks to `ath::Arch`.
// `struct Arch` is declared here and nowhere else; each port only defines its members, in
// kernel/arch/<arch>/*.cpp (plus .S), and what the ports share is defined once in
// kernel/arch/common/. The struct lives in the port's namespace (ath::<arch>, named by the build
// with -DATH_ARCH_NAMESPACE=<arch>) so that a port's definitions see that port's own helpers;
// `ath::Arch` names it for everyone else. No generic file tests an architecture macro.
#include <boot/BootInfo.h>
#include <kernel/lib/Address.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/pci/Pci.h>

namespace ath {

// What a page mapping allows. Read is implied by any mapping; the arch encodes the rest in its own
// page-table format.
enum class PageAccess : u8 {
    Read = 0,
    Write = 1 << 0,
    Execute = 1 << 1,
    Uncached = 1 << 2, // device memory (MMIO)
};
constexpr PageAccess operator|(PageAccess a, PageAccess b) { return PageAccess(u8(a) | u8(b)); }
constexpr bool has_access(PageAccess set, PageAccess bit) { return (u8(set) & u8(bit)) != 0; }

// The register model of the console UART handed to the UART driver module: the driver asks for it
// (azoth.uart_kind) so one .wasm drives whichever UART the platform has.
enum class ConsoleUartKind : u32 {
    None = 0,    // no UART a driver may claim
    Ns16550 = 1, // eight byte registers (x86_64 COM1 port I/O, riscv64 virt MMIO)
    Pl011 = 2,   // 32-bit registers at base + 4 * index, low byte visible (aarch64 virt)
};

// A device's registers as the arch describes them to a Device object (kernel/object/Device.h).
struct DeviceRegisters {
    bool port_io; // x86 I/O ports; otherwise MMIO physical addresses
    u64 base;     // first port / physical address
    u64 length;   // bytes (ports)
    u8 widths;    // access widths in bytes the registers accept, one bit each (1, 2, 4, 8)
    u32 irq;      // the line install_irq_handler / mask_irq take for this device
};

// Why the CPU stopped an instruction, independent of the arch's vector numbers.
enum class FaultKind : u8 {
    DivideError,
    InvalidOpcode,
    PageFault,
    ProtectionFault, // general protection / alignment / access outside privilege
    Breakpoint,
    Other,
};
StringView fault_kind_name(FaultKind kind);

// What the arch reports about a fault it caught on behalf of generic code.
struct FaultInfo {
    FaultKind kind;
    u64 vector;              // the arch's own number, for logs
    u64 error_code;          // arch-defined (x86_64: the pushed error code)
    u64 fault_address;       // the data address of a page fault, else 0
    u64 instruction_address; // where the faulting instruction is
    bool was_write;          // page fault caused by a write
    bool was_execute;        // page fault caused by an instruction fetch
    bool was_present;        // page fault on a present page (a protection violation)
};

// One step of a frame-pointer stack walk.
struct StackFrame {
    u64 frame_pointer;
    u64 return_address;
};

// An IRQ handler: called with interrupts masked, after which the arch signals end-of-interrupt.
using IrqHandler = void (*)(void* context);
// Called by the MMU after it changed a mapping other CPUs may have cached (SMP later).
using TlbShootdownHook = void (*)(VirtualAddress base, u64 page_count);

#ifndef ATH_ARCH_NAMESPACE
#    error "the build names the arch being built with -DATH_ARCH_NAMESPACE=<arch>"
#endif

namespace ATH_ARCH_NAMESPACE {

struct Arch {
    // Early console and machine control.
    static StringView name(); // "x86_64", "aarch64", "riscv64"
    static void console_init();
    static void console_putc(char character);
    // One byte the console UART has received, without waiting (none when nothing is there). The
    // console object (kernel/object/Console.h) drains it while no driver module owns the UART, so
    // input typed before the driver attaches, or with no driver at all (`exec`), is kept.
    static Optional<u8> console_getc();
    [[noreturn]] static void halt_forever();
    [[noreturn]] static void power_off(u8 status);
    static u64 cycle_counter();
    static void wait_for_interrupt();

    // CPU: descriptor tables, exception vectors, FP state.
    static void init_cpu();
    static bool interrupts_enabled();
    static void enable_interrupts();
    static void disable_interrupts();
    // Runs body(context); a CPU fault inside it is caught and returned instead of panicking
    // (kernel/arch/common/FaultCatch.cpp).
    static Optional<FaultInfo> run_catching_faults(void (*body)(void*), void* context);

    // MMU on the kernel address space. init is the port's (its Mmu.cpp); the rest is
    // kernel/arch/common/KernelMmu.cpp over the port's page-table format.
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

    // Platform interrupts and time. `irq` numbers are the port's: x86_64 legacy ISA IRQs routed
    // through the MADT's overrides (COM1 = 4), aarch64 GIC INTIDs (SPI n = 32 + n), riscv64 PLIC
    // sources (QEMU virt UART0 = 10).
    static ErrorOr init_platform(const boot::BootInfo& info);
    static ErrorOr install_irq_handler(u32 irq, IrqHandler handler, void* context);
    // Interrupt lines for Irq objects (kernel/object/Irq.h). mask/unmask stop and restart delivery
    // of `irq` at the interrupt controller and are callable from that line's own handler (and with
    // interrupts enabled). remove_irq_handler masks the line and forgets its handler; a kernel
    // handler that the claimant displaced gets the line back (x86_64: the COM1 input buffer).
    // install_irq_handler over such a kernel handler displaces it instead of answering busy.
    static void mask_irq(u32 irq);
    static void unmask_irq(u32 irq);
    static void remove_irq_handler(u32 irq);
    // Message-signalled interrupts for PCI functions (kernel/platform/kernel/KernelPci): a vector
    // whose message (a 32-bit `data` written to `address` by the device) calls handler(context)
    // in interrupt context, after which the arch signals end-of-interrupt. Masking is the
    // device's (the MSI-X vector control bit). Exhausted when every MSI vector is taken;
    // Unsupported where this port has no MSI target (x86_64: the local APIC; aarch64 virt's
    // GICv2 has no v2m frame and riscv64 virt no IMSIC as qemu-run boots them).
    struct MsiMessage {
        u64 address { 0 };
        u32 data { 0 };
        u32 vector { 0 }; // the port's name for it, for remove_msi_handler
    };
    static Result<MsiMessage> install_msi_handler(IrqHandler handler, void* context);
    static void remove_msi_handler(u32 number);
    static u64 clock_nanoseconds();
    static u64 timer_ticks();
    static u64 timer_frequency_hz();
    // The tick rate the programmed timer actually runs at, measured against the clock over about
    // window_ns without relying on interrupt delivery (which an emulator under host load
    // coalesces). None on ports whose tick and clock share one counter (nothing to measure);
    // where it measures, an empty window (0) is Invalid.
    static Result<Optional<u64>> measure_timer_hz(u64 window_ns);
    // Called on every timer tick in interrupt context (the scheduler's tick); null removes it.
    static void set_timer_tick_handler(IrqHandler handler, void* context);
    // Seconds since the Unix epoch from the platform's real-time clock, none when there is none.
    static Optional<u64> wall_clock_seconds();

    // Self-test support: make the CPU raise `kind` (false when the arch cannot, e.g. no trapping
    // integer division), and make a real device raise one interrupt through the interrupt
    // controller and wait for its handler (x86_64: COM1 in loopback via the I/O APIC).
    static bool trigger_fault(FaultKind kind);
    static ReadonlyBytes return_instruction(); // machine code of a bare `return`
    static ErrorOr self_test_device_interrupt();
    // Loads known values into every FP/vector register, takes an interrupt whose handler
    // overwrites them all, and checks the interrupted code sees its values unchanged.
    static ErrorOr self_test_fp_state_across_interrupts();
    // Checks that the firmware's description of the machine (x86_64: ACPI, device-tree arches:
    // the DTB) names what this arch's init_platform relies on.
    static ErrorOr self_test_firmware_tables();

    // The PCI(e) host bridge the firmware describes (kernel/pci/Pci.h): x86_64 from ACPI MCFG
    // (kernel/acpi), aarch64 and riscv64 from the device tree's pci-host-ecam-generic node
    // (kernel/firmware/PciHostBridge). NotFound when the machine has none; the firmware's errors
    // as they come. kernel/platform/kernel/KernelPci enumerates behind it.
    static Result<pci::HostBridge> pci_host_bridge();

    // The register model of the console UART a driver module may own (None when there is none):
    // the driver learns it through azoth.uart_kind and reaches the registers through the Device
    // object console_uart_device() describes (Ns16550: byte registers; Pl011: 32-bit registers).
    static ConsoleUartKind console_uart_kind();
    // The same UART as a register window plus its interrupt line, for a Device/Irq object (none
    // when the platform has no UART a driver may claim, or it has no interrupt line). device_read
    // and device_write perform one access of `width` bytes at byte `offset` of a window this arch
    // described (the caller, Device, has checked offset, width and value against it).
    static Optional<DeviceRegisters> console_uart_device();
    static u64 device_read(const DeviceRegisters& registers, u64 offset, u32 width);
    static void device_write(const DeviceRegisters& registers, u64 offset, u32 width, u64 value);

    // Entropy: one word from the CPU's hardware generator (x86_64 RDRAND, aarch64 RNDR), none when
    // the CPU has none. The kernel only uses it to seed its ChaCha20 generator (kernel/platform/kernel/KernelRandom).
    static Optional<u64> hardware_random();

    // Kernel threads (kernel/process). initial_thread_stack prepares `stack` so that the first
    // switch_stack to the returned stack pointer calls entry(argument) on it (entry never returns).
    // switch_stack saves the callee-saved registers on the current stack, stores the stack pointer
    // in *saved_stack_pointer, loads next and restores its registers: a thread resumes where it
    // last called switch_stack. Called with interrupts disabled; the interrupt state is per thread
    // from the caller's point of view (the scheduler restores it).
    static uptr initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument);
    static void switch_stack(uptr* saved_stack_pointer, uptr next_stack_pointer);

    // Debugging: where this function was called from, and one step up a frame-pointer chain
    // (kernel/arch/common/FrameWalk.cpp). A StackFrame is {frame pointer, the return address
    // stored in that frame}; every port builds with frame pointers.
    [[gnu::always_inline]] static inline StackFrame current_frame()
    {
        u64 frame_pointer = reinterpret_cast<u64>(__builtin_frame_address(0));
        return StackFrame { frame_pointer, reinterpret_cast<u64>(__builtin_return_address(0)) };
    }
    static Optional<StackFrame> next_frame(StackFrame frame);
    static void dump_current_registers();
};

} // namespace ATH_ARCH_NAMESPACE

using Arch = ATH_ARCH_NAMESPACE::Arch;

} // namespace ath
