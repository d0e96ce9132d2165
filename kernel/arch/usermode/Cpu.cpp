// Arch for the usermode port: Athanor as one Linux x86_64 process (`./azoth run --arch hosted`).
// The console is the process's stdin/stdout, power-off is exit_group, the clock is
// CLOCK_MONOTONIC, entropy is getrandom, the CPU is the host's in user mode. There are no devices:
// no UART a driver may claim, no interrupt lines besides the timer signal (Signals.cpp).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/common/SelfTestSupport.h>
#include <kernel/arch/x86_64/VectorRegisterImages.h>
#include <kernel/arch/usermode/Linux.h>
#include <kernel/arch/usermode/Usermode.h>
#include <kernel/arch/x86_64/SysvThreadStack.h>
#include <kernel/lib/Format.h>

extern "C" void usermode_thread_trampoline();
extern "C" void arch_clobber_vector_registers(); // kernel/arch/x86_64/SysvContext.inc

namespace ath::usermode {

using namespace linux_abi;

namespace {

constexpr char end_of_transmission = 0x04;
bool g_input_ended = false;
bool g_end_delivered = false;
u64 g_clock_origin = 0;

u64 read_clock(int clock)
{
    Timespec now {};
    syscall6(sys_clock_gettime, clock, reinterpret_cast<long>(&now));
    return u64(now.seconds) * 1'000'000'000 + u64(now.nanoseconds);
}

arch_common::IrqSlot g_no_slot;

} // namespace

StringView Arch::name() { return "usermode"; }

void Arch::console_init() { }

void Arch::console_putc(char character) { syscall6(sys_write, 1, reinterpret_cast<long>(&character), 1); }

// The host's stdin, polled: one byte when one is ready; at its end one EOT (the console's
// end-of-input, as tools/qemu-run sends after --input-after), then nothing.
Optional<u8> Arch::console_getc()
{
    if (g_input_ended) {
        if (g_end_delivered)
            return none;
        g_end_delivered = true;
        return static_cast<u8>(end_of_transmission);
    }
    PollFd input { 0, pollin, 0 };
    if (syscall6(sys_poll, reinterpret_cast<long>(&input), 1, 0) <= 0 || !(input.revents & (pollin | pollhup | pollerr)))
        return none;
    u8 byte = 0;
    long got = syscall6(sys_read, 0, reinterpret_cast<long>(&byte), 1);
    if (got == 1)
        return byte;
    if (got == 0 || failed(got)) {
        g_input_ended = true;
        return console_getc();
    }
    return none;
}

void Arch::halt_forever()
{
    while (true)
        syscall6(sys_exit_group, 0);
}

void Arch::power_off(u8 status)
{
    disable_interrupts();
    println("athanor: power-off status={}", status);
    syscall6(sys_exit_group, status);
    __builtin_unreachable();
}

u64 Arch::cycle_counter()
{
    u32 low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (u64(high) << 32) | low;
}

void Arch::init_cpu()
{
    g_clock_origin = read_clock(clock_monotonic);
    install_signal_handlers();
    println("athanor: usermode: a Linux process; signals for exceptions and the {} Hz tick", tick_hz);
}

ErrorOr Arch::init_platform(const boot::BootInfo&)
{
    start_timer_signal(1'000'000 / tick_hz);
    return {};
}

u64 Arch::clock_nanoseconds() { return read_clock(clock_monotonic) - g_clock_origin; }

// setitimer and CLOCK_MONOTONIC are one clock: nothing to measure.
Result<Optional<u64>> Arch::measure_timer_hz(u64) { return Optional<u64> {}; }

Optional<u64> Arch::wall_clock_seconds() { return read_clock(clock_realtime) / 1'000'000'000; }

Optional<u64> Arch::hardware_random()
{
    u64 value = 0;
    if (syscall6(sys_getrandom, reinterpret_cast<long>(&value), sizeof(value), 0) != sizeof(value))
        return none;
    return value;
}

ConsoleUartKind Arch::console_uart_kind() { return ConsoleUartKind::None; }
Optional<DeviceRegisters> Arch::console_uart_device() { return none; }
// No Device object can exist on this port (there is no device to describe).
u64 Arch::device_read(const DeviceRegisters&, u64, u32) { return 0; }
void Arch::device_write(const DeviceRegisters&, u64, u32, u64) { }

uptr Arch::initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument)
{
    return x86_64::sysv_initial_thread_stack(stack, entry, argument, usermode_thread_trampoline);
}

void Arch::dump_current_registers()
{
    u64 stack_pointer, frame_pointer;
    asm volatile("movq %%rsp, %0\n movq %%rbp, %1" : "=r"(stack_pointer), "=r"(frame_pointer));
    println("  rsp={:#018x} rbp={:#018x} (usermode: the other registers are the host's)", stack_pointer, frame_pointer);
}

// Self-test support. The CPU faults are real (the host delivers them as signals).
void FaultTriggers::invalid_opcode() { asm volatile("ud2"); }
void FaultTriggers::breakpoint() { asm volatile("int3"); }
void FaultTriggers::protection_fault() { asm volatile("hlt"); } // privileged: #GP in user mode
bool FaultTriggers::divide_error()
{
    volatile u64 zero = 0;
    asm volatile("xorl %%edx, %%edx\n movl $1, %%eax\n divq %0" : : "r"(zero) : "rax", "rdx");
    return true;
}

ReadonlyBytes Arch::return_instruction()
{
    static const u8 ret[] = { 0xC3 };
    return ReadonlyBytes(ret, sizeof(ret));
}

ErrorOr Arch::self_test_device_interrupt()
{
    return Error::from(ErrorCode::Unsupported, "the usermode port has no device that raises interrupts");
}
// The interrupt is the timer signal; its handler overwrites every XMM register. Linux saves the
// interrupted FP state in the signal frame and restores it at the signal return.
ErrorOr Arch::self_test_fp_state_across_interrupts()
{
    arch_common::RegisterImages<usize(16) * 16> images; // xmm0-xmm15
    bool were_enabled = interrupts_enabled();
    enable_interrupts();
    g_timer_signal_hook = arch_clobber_vector_registers;
    u64 before = 0;
    // One asm block so the compiler cannot touch XMM between loading and storing: load every
    // register, note the signal count, wait (bounded) for the next timer signal, store them all.
    asm volatile(ATH_LOAD_XMM0_15_FROM_IN
                 "movq (%[counter]), %%rax\n"
                 "movq %%rax, (%[before])\n"
                 "movl $1000000000, %%ecx\n"
                 "1: pause\n"
                 "cmpq %%rax, (%[counter])\n"
                 "jne 2f\n"
                 "decl %%ecx\n"
                 "jnz 1b\n"
                 "2:\n"
                 ATH_STORE_XMM0_15_TO_OUT
                 :
                 : [in] "r"(images.expected), [out] "r"(images.seen), [counter] "r"(&g_timer_signals), [before] "r"(&before)
                 : "rax", "rcx", "memory", "cc", ATH_XMM0_15_CLOBBERS);
    g_timer_signal_hook = nullptr;
    u64 after = g_timer_signals;
    if (!were_enabled)
        disable_interrupts();
    return images.verdict(static_cast<u32>(before), static_cast<u32>(after), "no timer signal arrived",
                          "the timer signal's handler changed the interrupted code's XMM registers");
}
ErrorOr Arch::self_test_firmware_tables()
{
    return Error::from(ErrorCode::Unsupported, "the usermode port has no firmware tables");
}

Result<pci::HostBridge> Arch::pci_host_bridge()
{
    return Error::from(ErrorCode::NotFound, "the usermode port has no PCI host bridge");
}

Result<Arch::MsiMessage> Arch::install_msi_handler(IrqHandler, void*)
{
    return Error::from(ErrorCode::Unsupported, "the usermode port has no PCI");
}

void Arch::remove_msi_handler(u32) { }

// No interrupt controller: no line is routed.
Optional<IrqLine> IrqControllerPort::line(u32) { return none; }
arch_common::IrqSlot& IrqControllerPort::slot(const IrqLine&) { return g_no_slot; }
void IrqControllerPort::set_enabled(const IrqLine&, bool) { }
ErrorOr IrqControllerPort::install(u32, IrqHandler, void*, bool)
{
    return Error::from(ErrorCode::NotFound, "the usermode port has no interrupt lines");
}

} // namespace ath::usermode
