// Traps: a fault caught for generic code resumes in run_catching_faults; any other exception
// prints the cause, stval, every register and a symbolised backtrace, then stops the kernel
// (later: kills the offending module instead). Interrupts go to the PLIC or the timer.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/FaultCatch.h>
#include <kernel/arch/common/FrameWalk.h>
#include <kernel/arch/common/WriteFaultHook.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/lib/Format.h>

extern "C" const ath::u8 riscv64_catch_resume[];

namespace ath::riscv64 {

namespace {

bool is_page_fault(u64 code)
{
    return code == cause::instruction_page_fault || code == cause::load_page_fault || code == cause::store_page_fault;
}

FaultKind classify(u64 code)
{
    switch (code) {
    case cause::illegal_instruction: return FaultKind::InvalidOpcode;
    case cause::breakpoint: return FaultKind::Breakpoint;
    case cause::instruction_page_fault:
    case cause::load_page_fault:
    case cause::store_page_fault: return FaultKind::PageFault;
    case cause::instruction_misaligned:
    case cause::load_misaligned:
    case cause::store_misaligned:
    case cause::instruction_access:
    case cause::load_access:
    case cause::store_access: return FaultKind::ProtectionFault;
    default: return FaultKind::Other;
    }
}

StringView cause_name(u64 code)
{
    switch (code) {
    case cause::instruction_misaligned: return "instruction address misaligned";
    case cause::instruction_access: return "instruction access fault";
    case cause::illegal_instruction: return "illegal instruction";
    case cause::breakpoint: return "breakpoint";
    case cause::load_misaligned: return "load address misaligned";
    case cause::load_access: return "load access fault";
    case cause::store_misaligned: return "store/AMO address misaligned";
    case cause::store_access: return "store/AMO access fault";
    case cause::instruction_page_fault: return "instruction page fault";
    case cause::load_page_fault: return "load page fault";
    case cause::store_page_fault: return "store/AMO page fault";
    default: return "other exception";
    }
}

void resume_from_catch(TrapFrame& frame, CatchContext& context)
{
    u64 code = frame.scause;
    bool page_fault = is_page_fault(code);
    resume_caught_fault(FaultInfo {
        .kind = classify(code),
        .vector = code,
        .error_code = code,
        .fault_address = page_fault ? frame.stval : 0,
        .instruction_address = frame.sepc,
        .was_write = code == cause::store_page_fault,
        .was_execute = code == cause::instruction_page_fault,
        // RISC-V does not say whether the page was mapped: our own tables do.
        .was_present = page_fault && Arch::Mmu::translate(VirtualAddress(frame.stval)).has_value(),
    });
    frame.sepc = reinterpret_cast<u64>(riscv64_catch_resume);
    frame.x[10] = 1;                                // a0
    frame.x[11] = reinterpret_cast<u64>(&context);  // a1
}

[[noreturn]] void report_unhandled_exception(const TrapFrame& frame)
{
    Arch::disable_interrupts();
    println("");
    println("athanor: unhandled exception: {} (scause {:#x}) stval={:#x}", cause_name(frame.scause), frame.scause,
            frame.stval);
    print_trap_frame(frame);
    arch_common::print_backtrace_and_stop(frame.sepc, frame.x[8]);
}

const char* const register_names[32] = { "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
                                          "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                                          "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6" };

} // namespace

void print_trap_frame(const TrapFrame& frame)
{
    println("  pc={:#018x} sp={:#018x} sstatus={:#x} scause={:#x} stval={:#x}", frame.sepc, frame.x[2],
            frame.sstatus, frame.scause, frame.stval);
    for (usize i = 0; i < 32; i += 4) {
        println("  {}={:#018x} {}={:#018x} {}={:#018x} {}={:#018x}", register_names[i], frame.x[i],
                register_names[i + 1], frame.x[i + 1], register_names[i + 2], frame.x[i + 2], register_names[i + 3],
                frame.x[i + 3]);
    }
}

extern "C" void riscv64_trap_dispatch(TrapFrame* frame)
{
    if (frame->scause & cause_interrupt) {
        u64 code = frame->scause & ~cause_interrupt;
        if (code == cause::supervisor_timer)
            handle_timer_interrupt();
        else if (code == cause::supervisor_external)
            handle_external_interrupt();
        return;
    }
    // A store page fault on a page our tables map: maybe a read-only region mapping's page
    // (kernel/arch/common/WriteFaultHook.h checks it is one).
    if (frame->scause == cause::store_page_fault && resolve_write_fault(frame->stval))
        return;
    if (CatchContext* context = catch_for_fault(frame->x[2])) {
        resume_from_catch(*frame, *context);
        return;
    }
    report_unhandled_exception(*frame);
}

void Arch::dump_current_registers()
{
    TrapFrame frame {};
    asm volatile("sd x1, 8(%0)\n sd x2, 16(%0)\n sd x3, 24(%0)\n sd x4, 32(%0)\n sd x5, 40(%0)\n sd x6, 48(%0)\n"
                 "sd x7, 56(%0)\n sd x8, 64(%0)\n sd x9, 72(%0)\n sd x10, 80(%0)\n sd x11, 88(%0)\n"
                 "sd x12, 96(%0)\n sd x13, 104(%0)\n sd x14, 112(%0)\n sd x15, 120(%0)\n sd x16, 128(%0)\n"
                 "sd x17, 136(%0)\n sd x18, 144(%0)\n sd x19, 152(%0)\n sd x20, 160(%0)\n sd x21, 168(%0)\n"
                 "sd x22, 176(%0)\n sd x23, 184(%0)\n sd x24, 192(%0)\n sd x25, 200(%0)\n sd x26, 208(%0)\n"
                 "sd x27, 216(%0)\n sd x28, 224(%0)\n sd x29, 232(%0)\n sd x30, 240(%0)\n sd x31, 248(%0)\n"
                 :
                 : "r"(&frame)
                 : "memory");
    asm volatile("auipc %0, 0" : "=r"(frame.sepc));
    frame.sstatus = ATH_READ_CSR(sstatus);
    frame.scause = ATH_READ_CSR(scause);
    frame.stval = ATH_READ_CSR(stval);
    println("registers:");
    print_trap_frame(frame);
}

} // namespace ath::riscv64
