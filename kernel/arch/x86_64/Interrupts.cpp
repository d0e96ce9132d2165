// Exceptions and interrupt dispatch: a fault caught for generic code resumes in
// run_catching_faults; any other exception prints vector, error code, CR2, the registers and a
// symbolised backtrace, then stops the kernel (later: kills the offending module instead).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/CodeFaultHook.h>
#include <kernel/arch/common/FaultCatch.h>
#include <kernel/arch/common/FrameWalk.h>
#include <kernel/arch/common/WriteFaultHook.h>
#include <kernel/arch/x86_64/InterruptFrame.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/lib/Format.h>

namespace ath::x86_64 {

namespace {

const char* const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded", "invalid opcode",
    "device not available", "double fault", "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack-segment fault", "general protection fault", "page fault", "reserved", "x87 floating-point error",
    "alignment check", "machine check", "SIMD floating-point error", "virtualization exception",
    "control protection exception", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
    "hypervisor injection", "VMM communication", "security exception", "reserved",
};

FaultKind classify(u64 vector_number)
{
    switch (vector_number) {
    case vector::divide_error: return FaultKind::DivideError;
    case vector::invalid_opcode: return FaultKind::InvalidOpcode;
    case vector::page_fault: return FaultKind::PageFault;
    case vector::general_protection:
    case 12: // stack-segment
    case 17: // alignment check
        return FaultKind::ProtectionFault;
    case vector::breakpoint: return FaultKind::Breakpoint;
    default: return FaultKind::Other;
    }
}

// Exceptions that mean the machine itself is in trouble are never handed to a catcher.
bool is_catchable(u64 vector_number)
{
    return vector_number < 32 && vector_number != vector::nmi && vector_number != vector::double_fault
        && vector_number != vector::machine_check;
}

void resume_from_catch(InterruptFrame& frame, CatchContext& context)
{
    bool page_fault = frame.vector == vector::page_fault;
    resume_caught_fault(FaultInfo {
        .kind = classify(frame.vector),
        .vector = frame.vector,
        .error_code = frame.error_code,
        .fault_address = page_fault ? read_cr2() : 0,
        .instruction_address = frame.rip,
        .was_write = page_fault && (frame.error_code & 2) != 0,
        .was_execute = page_fault && (frame.error_code & 16) != 0,
        .was_present = page_fault && (frame.error_code & 1) != 0,
    });
    // Make iretq behave like `return 1` from arch_catch_call.
    frame.rbx = context.rbx;
    frame.rbp = context.rbp;
    frame.r12 = context.r12;
    frame.r13 = context.r13;
    frame.r14 = context.r14;
    frame.r15 = context.r15;
    frame.rsp = context.resume_rsp;
    frame.rip = context.resume_rip;
    frame.rax = 1;
}

[[noreturn]] void report_unhandled_exception(const InterruptFrame& frame)
{
    Arch::disable_interrupts();
    println("");
    println("athanor: unhandled exception {} ({}) error_code={:#x}", frame.vector, exception_names[frame.vector],
            frame.error_code);
    if (frame.vector == vector::page_fault) {
        println("  page fault at {:#x}: {} {} on a {} page", read_cr2(), (frame.error_code & 16) ? "fetch" : "access",
                (frame.error_code & 2) ? "(write)" : "(read)", (frame.error_code & 1) ? "present" : "non-present");
    }
    print_interrupt_frame(frame);
    arch_common::print_backtrace_and_stop(frame.rip, frame.rbp);
}

} // namespace

void print_interrupt_frame(const InterruptFrame& frame)
{
    println("  rip={:#018x} cs={:#x} rflags={:#x} rsp={:#018x} ss={:#x}", frame.rip, frame.cs, frame.rflags, frame.rsp,
            frame.ss);
    println("  rax={:#018x} rbx={:#018x} rcx={:#018x} rdx={:#018x}", frame.rax, frame.rbx, frame.rcx, frame.rdx);
    println("  rsi={:#018x} rdi={:#018x} rbp={:#018x}", frame.rsi, frame.rdi, frame.rbp);
    println("  r8 ={:#018x} r9 ={:#018x} r10={:#018x} r11={:#018x}", frame.r8, frame.r9, frame.r10, frame.r11);
    println("  r12={:#018x} r13={:#018x} r14={:#018x} r15={:#018x}", frame.r12, frame.r13, frame.r14, frame.r15);
    println("  cr0={:#x} cr2={:#x} cr3={:#x} cr4={:#x}", read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

extern "C" void x86_64_interrupt_dispatch(InterruptFrame* frame)
{
    if (frame->vector < 32) {
        // Error code bits: 0 present, 1 write. A store into a read-only region mapping.
        if (frame->vector == vector::page_fault && (frame->error_code & 3) == 3 && resolve_write_fault(read_cr2()))
            return;
        // A compiled Wasm module's out-of-bounds access: resume at its trap stub.
        if (frame->vector == vector::page_fault) {
            if (u64 landing = compiled_code_fault_landing(frame->rip, read_cr2())) {
                frame->rip = landing;
                return;
            }
        }
        CatchContext* context = is_catchable(frame->vector) ? catch_for_fault(frame->rsp) : nullptr;
        if (context) {
            resume_from_catch(*frame, *context);
            return;
        }
        report_unhandled_exception(*frame);
    }
    dispatch_irq(frame->vector);
}

void Arch::dump_current_registers()
{
    InterruptFrame frame {};
    asm volatile("movq %%rax, %0\n movq %%rbx, %1\n movq %%rcx, %2\n movq %%rdx, %3\n"
                 "movq %%rsi, %4\n movq %%rdi, %5\n movq %%rbp, %6\n movq %%rsp, %7\n"
                 : "=m"(frame.rax), "=m"(frame.rbx), "=m"(frame.rcx), "=m"(frame.rdx), "=m"(frame.rsi),
                   "=m"(frame.rdi), "=m"(frame.rbp), "=m"(frame.rsp));
    asm volatile("movq %%r8, %0\n movq %%r9, %1\n movq %%r10, %2\n movq %%r11, %3\n"
                 "movq %%r12, %4\n movq %%r13, %5\n movq %%r14, %6\n movq %%r15, %7\n"
                 : "=m"(frame.r8), "=m"(frame.r9), "=m"(frame.r10), "=m"(frame.r11), "=m"(frame.r12),
                   "=m"(frame.r13), "=m"(frame.r14), "=m"(frame.r15));
    asm volatile("leaq 0(%%rip), %0" : "=r"(frame.rip));
    u16 code_segment, stack_segment;
    asm volatile("movw %%cs, %0" : "=r"(code_segment));
    asm volatile("movw %%ss, %0" : "=r"(stack_segment));
    frame.cs = code_segment;
    frame.ss = stack_segment;
    frame.rflags = read_flags();
    println("registers:");
    print_interrupt_frame(frame);
}

} // namespace ath::x86_64
