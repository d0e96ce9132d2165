#pragma once

// The one interface between generic kernel code and an architecture.
//
// Generic code (kernel/mm, kernel/main, kernel/selftest, ...) only ever talks to `ath::Arch`,
// which names the implementation of the arch being built. Each arch implements it in
// kernel/arch/<arch>/ArchImpl.h (declarations) plus same-named .cpp/.S files, and the
// `ArchInterface` concept below checks at compile time that nothing is missing or mistyped.
// The build selects the arch with -DATH_ARCH_IMPL_HEADER=<kernel/arch/<arch>/ArchImpl.h>; no
// generic file tests an architecture macro.
#include <boot/BootInfo.h>
#include <kernel/lib/Address.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/lib/Traits.h>

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

template<typename A>
concept ArchInterface = requires(const boot::BootInfo& info, char character, StringView text, u8 status,
                                 VirtualAddress virtual_address, PhysicalAddress physical_address,
                                 PageAccess access, u64 count, u32 irq, IrqHandler handler, void* context,
                                 TlbShootdownHook hook, void (*body)(void*), StackFrame frame, FaultKind kind,
                                 Bytes stack, uptr* saved_stack_pointer, uptr stack_pointer,
                                 const DeviceRegisters& registers, u64 offset, u32 width, u64 value) {
    // Early console and machine control.
    { A::name() } -> SameAs<StringView>;
    { A::console_init() } -> SameAs<void>;
    { A::console_putc(character) } -> SameAs<void>;
    { A::halt_forever() } -> SameAs<void>;
    { A::power_off(status) } -> SameAs<void>;
    { A::cycle_counter() } -> SameAs<u64>;
    { A::wait_for_interrupt() } -> SameAs<void>;

    // CPU: descriptor tables, exception vectors, FP state.
    { A::init_cpu() } -> SameAs<void>;
    { A::interrupts_enabled() } -> SameAs<bool>;
    { A::enable_interrupts() } -> SameAs<void>;
    { A::disable_interrupts() } -> SameAs<void>;
    // Runs body(context); a CPU fault inside it is caught and returned instead of panicking.
    { A::run_catching_faults(body, context) } -> SameAs<Optional<FaultInfo>>;

    // MMU on the kernel address space.
    { A::Mmu::init(info) } -> SameAs<ErrorOr>;
    { A::Mmu::map(virtual_address, physical_address, count, access) } -> SameAs<ErrorOr>;
    { A::Mmu::unmap(virtual_address, count) } -> SameAs<ErrorOr>;
    { A::Mmu::protect(virtual_address, count, access) } -> SameAs<ErrorOr>;
    { A::Mmu::translate(virtual_address) } -> SameAs<Optional<PhysicalAddress>>;
    { A::Mmu::flush(virtual_address, count) } -> SameAs<void>;
    { A::Mmu::set_tlb_shootdown_hook(hook) } -> SameAs<void>;
    { A::Mmu::page_tables_in_use() } -> SameAs<u64>;

    // Platform interrupts and time.
    { A::init_platform(info) } -> SameAs<ErrorOr>;
    { A::install_irq_handler(irq, handler, context) } -> SameAs<ErrorOr>;
    // Interrupt lines for Irq objects (kernel/object/Irq.h). mask/unmask stop and restart delivery
    // of `irq` at the interrupt controller and are callable from that line's own handler (and with
    // interrupts enabled). remove_irq_handler masks the line and forgets its handler; a kernel
    // handler that the claimant displaced gets the line back (x86_64: the COM1 input buffer).
    // install_irq_handler over such a kernel handler displaces it instead of answering busy.
    { A::mask_irq(irq) } -> SameAs<void>;
    { A::unmask_irq(irq) } -> SameAs<void>;
    { A::remove_irq_handler(irq) } -> SameAs<void>;
    { A::clock_nanoseconds() } -> SameAs<u64>;
    { A::timer_ticks() } -> SameAs<u64>;
    { A::timer_frequency_hz() } -> SameAs<u64>;
    // Called on every timer tick in interrupt context (the scheduler's tick); null removes it.
    { A::set_timer_tick_handler(handler, context) } -> SameAs<void>;
    // Seconds since the Unix epoch from the platform's real-time clock, none when there is none.
    { A::wall_clock_seconds() } -> SameAs<Optional<u64>>;

    // Self-test support: make the CPU raise `kind` (false when the arch cannot, e.g. no trapping
    // integer division), and make a real device raise one interrupt through the interrupt
    // controller and wait for its handler (x86_64: COM1 in loopback via the I/O APIC).
    { A::trigger_fault(kind) } -> SameAs<bool>;
    { A::return_instruction() } -> SameAs<ReadonlyBytes>; // machine code of a bare `return`
    { A::self_test_device_interrupt() } -> SameAs<ErrorOr>;
    // Loads known values into every FP/vector register, takes an interrupt whose handler
    // overwrites them all, and checks the interrupted code sees its values unchanged.
    { A::self_test_fp_state_across_interrupts() } -> SameAs<ErrorOr>;
    // Checks that the firmware's description of the machine (x86_64: ACPI, device-tree arches:
    // the DTB) names what this arch's init_platform relies on.
    { A::self_test_firmware_tables() } -> SameAs<ErrorOr>;

    // The register model of the console UART a driver module may own (None when there is none):
    // the driver learns it through azoth.uart_kind and reaches the registers through the Device
    // object console_uart_device() describes (Ns16550: byte registers; Pl011: 32-bit registers).
    { A::console_uart_kind() } -> SameAs<ConsoleUartKind>;
    // The same UART as a register window plus its interrupt line, for a Device/Irq object (none
    // when the platform has no UART a driver may claim, or it has no interrupt line). device_read
    // and device_write perform one access of `width` bytes at byte `offset` of a window this arch
    // described (the caller, Device, has checked offset, width and value against it).
    { A::console_uart_device() } -> SameAs<Optional<DeviceRegisters>>;
    { A::device_read(registers, offset, width) } -> SameAs<u64>;
    { A::device_write(registers, offset, width, value) } -> SameAs<void>;

    // Entropy: one word from the CPU's hardware generator (x86_64 RDRAND, aarch64 RNDR), none when
    // the CPU has none. The kernel only uses it to seed its ChaCha20 generator (kernel/sys/KernelRandom).
    { A::hardware_random() } -> SameAs<Optional<u64>>;

    // Kernel threads (kernel/process). initial_thread_stack prepares `stack` so that the first
    // switch_stack to the returned stack pointer calls entry(argument) on it (entry never returns).
    // switch_stack saves the callee-saved registers on the current stack, stores the stack pointer
    // in *saved_stack_pointer, loads next and restores its registers: a thread resumes where it
    // last called switch_stack. Called with interrupts disabled; the interrupt state is per thread
    // from the caller's point of view (the scheduler restores it).
    { A::initial_thread_stack(stack, body, context) } -> SameAs<uptr>;
    { A::switch_stack(saved_stack_pointer, stack_pointer) } -> SameAs<void>;

    // Debugging: where this function was called from, and one step up a frame-pointer chain.
    { A::current_frame() } -> SameAs<StackFrame>;
    { A::next_frame(frame) } -> SameAs<Optional<StackFrame>>;
    { A::dump_current_registers() } -> SameAs<void>;
};

} // namespace ath

#include ATH_ARCH_IMPL_HEADER

namespace ath {
static_assert(ArchInterface<Arch>, "the arch implementation does not provide the arch interface");
}
