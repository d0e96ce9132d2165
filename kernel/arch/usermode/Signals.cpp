// The usermode port's "interrupts": Linux signals. The timer is SIGALRM from setitimer at the
// tick rate; CPU exceptions arrive as SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP, handled on an
// alternate stack (a kernel stack overflow into its guard page must still be reported). The
// interrupt flag is SIGALRM's bit in the signal mask, mirrored in a word so that
// interrupts_enabled() costs no system call.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/CodeFaultHook.h>
#include <kernel/arch/common/FaultCatch.h>
#include <kernel/arch/common/FrameWalk.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/common/WriteFaultHook.h>
#include <kernel/arch/usermode/Linux.h>
#include <kernel/arch/usermode/Usermode.h>
#include <kernel/lib/Format.h>

extern "C" void usermode_signal_return();

namespace ath::usermode {

using namespace linux_abi;

namespace {

constexpr u64 timer_signals = signal_bit(sigalrm);
volatile bool g_interrupts_enabled = false;
alignas(16) u8 g_alternate_stack[64 * 1024];

void set_mask(int how, u64 signals) { syscall6(sys_rt_sigprocmask, how, reinterpret_cast<long>(&signals), 0, 8); }

void on_timer(int, void*, void*)
{
    bool were_enabled = g_interrupts_enabled;
    g_interrupts_enabled = false;
    g_timer_signals = g_timer_signals + 1;
    if (void (*hook)() = g_timer_signal_hook)
        hook();
    count_timer_tick();
    g_interrupts_enabled = were_enabled;
}

FaultKind kind_of(u64 trap_number)
{
    switch (trap_number) {
    case 0: return FaultKind::DivideError;
    case 6: return FaultKind::InvalidOpcode;
    case 14: return FaultKind::PageFault;
    case 13:
    case 12:
    case 17: return FaultKind::ProtectionFault;
    case 3: return FaultKind::Breakpoint;
    default: return FaultKind::Other;
    }
}

const char* signal_name(int signal)
{
    switch (signal) {
    case sigsegv: return "SIGSEGV";
    case sigbus: return "SIGBUS";
    case sigill: return "SIGILL";
    case sigfpe: return "SIGFPE";
    case sigtrap: return "SIGTRAP";
    default: return "signal";
    }
}

void on_fault(int signal, void* raw_info, void* raw_context)
{
    auto* info = static_cast<SigInfo*>(raw_info);
    auto& registers = static_cast<UContext*>(raw_context)->gregs;
    bool were_enabled = g_interrupts_enabled;
    g_interrupts_enabled = false;
    u64 trap = registers[reg_trapno];
    u64 error_code = registers[reg_err];
    bool page_fault = trap == 14;
    u64 address = page_fault ? info->address : 0;
    // Error code bits: 0 present, 1 write. A store into a read-only page (a read-only region
    // mapping, a dirty-tracked linear-memory page): the page is present in the kernel's tables,
    // but the host's may not have populated it yet since the mirror's mmap (then bit 0 is clear
    // and si_code says SEGV_ACCERR: the host mapping exists, only its protection refused).
    constexpr int segv_accerr = 2;
    bool protection_refused = (error_code & 1) != 0 || (signal == sigsegv && info->code == segv_accerr);
    if (page_fault && (error_code & 2) != 0 && protection_refused && resolve_write_fault(address)) {
        g_interrupts_enabled = were_enabled;
        return;
    }
    // A compiled Wasm module's out-of-bounds access: the signal return resumes at its trap stub.
    if (page_fault) {
        if (u64 landing = compiled_code_fault_landing(registers[reg_rip], address)) {
            registers[reg_rip] = landing;
            g_interrupts_enabled = were_enabled;
            return;
        }
    }
    if (CatchContext* context = catch_for_fault(registers[reg_rsp])) {
        resume_caught_fault(FaultInfo {
            .kind = kind_of(trap),
            .vector = trap,
            .error_code = error_code,
            .fault_address = address,
            .instruction_address = registers[reg_rip],
            .was_write = page_fault && (error_code & 2) != 0,
            .was_execute = page_fault && (error_code & 16) != 0,
            .was_present = page_fault && (error_code & 1) != 0,
        });
        // The signal return then "returns 1" from arch_catch_call.
        registers[reg_rbx] = context->rbx;
        registers[reg_rbp] = context->rbp;
        registers[reg_r12] = context->r12;
        registers[reg_r13] = context->r13;
        registers[reg_r14] = context->r14;
        registers[reg_r15] = context->r15;
        registers[reg_rsp] = context->resume_rsp;
        registers[reg_rip] = context->resume_rip;
        registers[reg_rax] = 1;
        g_interrupts_enabled = were_enabled;
        return;
    }
    println("");
    println("athanor: unhandled exception {} ({}, {}) error_code={:#x}", trap, fault_kind_name(kind_of(trap)),
            signal_name(signal), error_code);
    if (page_fault) {
        println("  page fault at {:#x}: {} {} on a {} page", address, (error_code & 16) ? "fetch" : "access",
                (error_code & 2) ? "(write)" : "(read)", (error_code & 1) ? "present" : "non-present");
    }
    println("  rip={:#018x} rsp={:#018x} rbp={:#018x} rflags={:#x}", registers[reg_rip], registers[reg_rsp], registers[reg_rbp],
            registers[reg_efl]);
    println("  rax={:#018x} rbx={:#018x} rcx={:#018x} rdx={:#018x}", registers[reg_rax], registers[reg_rbx], registers[reg_rcx],
            registers[reg_rdx]);
    println("  rsi={:#018x} rdi={:#018x} r8 ={:#018x} r9 ={:#018x}", registers[reg_rsi], registers[reg_rdi], registers[reg_r8],
            registers[reg_r9]);
    arch_common::print_backtrace_and_stop(registers[reg_rip], registers[reg_rbp]);
}

void install(int signal, void (*handler)(int, void*, void*), unsigned long extra_flags)
{
    KernelSigaction action {};
    action.handler = handler;
    action.flags = sa_siginfo | sa_restorer | extra_flags;
    action.restorer = &usermode_signal_return;
    action.mask = timer_signals; // a handler runs with "interrupts" off
    if (failed(syscall6(sys_rt_sigaction, signal, reinterpret_cast<long>(&action), 0, 8))) {
        println("athanor: usermode: cannot install the handler of signal {}", signal);
        Arch::power_off(3);
    }
}

} // namespace

volatile u64 g_timer_signals = 0;
void (*volatile g_timer_signal_hook)() = nullptr;

void install_signal_handlers()
{
    set_mask(sig_block, timer_signals);
    g_interrupts_enabled = false;
    StackT alternate { g_alternate_stack, 0, sizeof(g_alternate_stack) };
    syscall6(sys_sigaltstack, reinterpret_cast<long>(&alternate), 0);
    constexpr int faults[] = { sigsegv, sigbus, sigill, sigfpe, sigtrap };
    for (int signal : faults)
        install(signal, on_fault, sa_onstack);
    install(sigalrm, on_timer, sa_restart);
}

void start_timer_signal(u64 period_us)
{
    Itimer timer { { 0, static_cast<long>(period_us) }, { 0, static_cast<long>(period_us) } };
    syscall6(sys_setitimer, itimer_real, reinterpret_cast<long>(&timer), 0);
}

bool Arch::interrupts_enabled() { return g_interrupts_enabled; }

void Arch::enable_interrupts()
{
    g_interrupts_enabled = true;
    set_mask(sig_unblock, timer_signals);
}

void Arch::disable_interrupts()
{
    set_mask(sig_block, timer_signals);
    g_interrupts_enabled = false;
}

// `sti; hlt`: waits for a signal with the timer unblocked and returns with interrupts enabled.
void Arch::wait_for_interrupt()
{
    g_interrupts_enabled = true;
    u64 none_blocked = 0;
    syscall6(sys_rt_sigsuspend, reinterpret_cast<long>(&none_blocked), 8);
    set_mask(sig_unblock, timer_signals);
}

} // namespace ath::usermode
