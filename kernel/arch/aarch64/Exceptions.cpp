// Exceptions: a fault caught for generic code resumes in run_catching_faults; any other
// synchronous exception or SError prints the class, ESR, FAR, every register and a symbolised
// backtrace, then stops the kernel (later: kills the offending module instead). IRQs go to the
// interrupt controller.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/FaultCatch.h>
#include <kernel/arch/common/FrameWalk.h>
#include <kernel/arch/common/WriteFaultHook.h>
#include <kernel/arch/aarch64/ExceptionFrame.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/lib/Format.h>

extern "C" const ath::u8 aarch64_catch_resume[];

namespace ath::aarch64 {

namespace {

u64 exception_class_of(u64 esr) { return (esr >> 26) & 0x3F; }

bool is_abort(u64 ec)
{
    return ec == exception_class::data_abort || ec == exception_class::instruction_abort
        || ec == exception_class::data_abort_lower || ec == exception_class::instruction_abort_lower;
}

// Fault status code (ESR ISS[5:0]) groups: translation faults mean "not mapped", access-flag
// and permission faults mean "mapped but refused", alignment faults are protection faults.
bool is_translation_fault(u64 status) { return (status & 0x3C) == 0x04; }
bool is_access_or_permission_fault(u64 status) { return (status & 0x3C) == 0x08 || (status & 0x3C) == 0x0C; }
constexpr u64 alignment_fault = 0x21;

FaultKind classify(u64 esr)
{
    u64 ec = exception_class_of(esr);
    switch (ec) {
    case exception_class::unknown: return FaultKind::InvalidOpcode;
    case exception_class::brk: return FaultKind::Breakpoint;
    case exception_class::pc_alignment:
    case exception_class::sp_alignment: return FaultKind::ProtectionFault;
    default: break;
    }
    if (is_abort(ec)) {
        u64 status = esr & 0x3F;
        if (is_translation_fault(status) || is_access_or_permission_fault(status))
            return FaultKind::PageFault;
        if (status == alignment_fault)
            return FaultKind::ProtectionFault;
    }
    return FaultKind::Other;
}

StringView class_name(u64 ec)
{
    switch (ec) {
    case exception_class::unknown: return "undefined instruction";
    case exception_class::illegal_state: return "illegal execution state";
    case exception_class::instruction_abort_lower:
    case exception_class::instruction_abort: return "instruction abort";
    case exception_class::pc_alignment: return "PC alignment fault";
    case exception_class::data_abort_lower:
    case exception_class::data_abort: return "data abort";
    case exception_class::sp_alignment: return "SP alignment fault";
    case exception_class::serror: return "SError";
    case exception_class::brk: return "breakpoint (brk)";
    default: return "other exception";
    }
}

void resume_from_catch(ExceptionFrame& frame, CatchContext& context)
{
    u64 ec = exception_class_of(frame.esr);
    bool abort = is_abort(ec);
    u64 status = frame.esr & 0x3F;
    bool instruction = ec == exception_class::instruction_abort || ec == exception_class::instruction_abort_lower;
    resume_caught_fault(FaultInfo {
        .kind = classify(frame.esr),
        .vector = ec,
        .error_code = frame.esr,
        .fault_address = abort ? frame.far : 0,
        .instruction_address = frame.elr,
        // ISS.WnR (bit 6) is only meaningful for data aborts; cache maintenance (CM) reads as write.
        .was_write = abort && !instruction && (frame.esr & (1u << 6)) != 0,
        .was_execute = abort && instruction,
        .was_present = abort && is_access_or_permission_fault(status),
    });
    frame.elr = reinterpret_cast<u64>(aarch64_catch_resume);
    frame.x[0] = 1;
    frame.x[1] = reinterpret_cast<u64>(&context);
    // Return to EL1h with interrupts as they were when the catch was armed is not tracked: the
    // resumed code runs with the interrupted PSTATE, which is the body's (same EL, same masks).
}

[[noreturn]] void report_unhandled_exception(const ExceptionFrame& frame)
{
    Arch::disable_interrupts();
    u64 ec = exception_class_of(frame.esr);
    println("");
    println("athanor: unhandled exception: {} (vector {}, ESR class {:#x}) esr={:#x}", class_name(ec), frame.vector, ec,
            frame.esr);
    if (is_abort(ec)) {
        u64 status = frame.esr & 0x3F;
        bool instruction = ec == exception_class::instruction_abort || ec == exception_class::instruction_abort_lower;
        println("  {} at {:#x}: {} {} (fault status {:#x})", instruction ? "fetch" : "access", frame.far,
                instruction ? "(execute)" : (frame.esr & (1u << 6)) ? "(write)" : "(read)",
                is_translation_fault(status) ? "on an unmapped page" : "refused", status);
    }
    print_exception_frame(frame);
    arch_common::print_backtrace_and_stop(frame.elr, frame.x[29]);
}

} // namespace

void print_exception_frame(const ExceptionFrame& frame)
{
    println("  pc={:#018x} sp={:#018x} spsr={:#x} esr={:#x} far={:#x}", frame.elr, frame.sp, frame.spsr, frame.esr,
            frame.far);
    for (usize i = 0; i < 28; i += 4) {
        println("  x{}={:#018x} x{}={:#018x} x{}={:#018x} x{}={:#018x}", i, frame.x[i], i + 1, frame.x[i + 1], i + 2,
                frame.x[i + 2], i + 3, frame.x[i + 3]);
    }
    println("  x28={:#018x} x29={:#018x} x30={:#018x}", frame.x[28], frame.x[29], frame.x[30]);
}

extern "C" void aarch64_exception_dispatch(ExceptionFrame* frame)
{
    u64 type = frame->vector & 3;
    if (type == ExceptionType::irq) {
        handle_irq();
        return;
    }
    // A store (WnR, bit 6) refused by a permission fault on a present page: maybe a read-only
    // region mapping's page (kernel/arch/common/WriteFaultHook.h).
    if (type == ExceptionType::synchronous && exception_class_of(frame->esr) == exception_class::data_abort
        && (frame->esr & (1u << 6)) != 0 && (frame->esr & 0x3C) == 0x0C && resolve_write_fault(frame->far))
        return;
    CatchContext* context = type == ExceptionType::synchronous ? catch_for_fault(frame->sp) : nullptr;
    if (context) {
        resume_from_catch(*frame, *context);
        return;
    }
    report_unhandled_exception(*frame);
}

void Arch::dump_current_registers()
{
    ExceptionFrame frame {};
    // x0-x30 as they are at this point (after the call: the caller-saved ones hold whatever the
    // panic path left in them, which is still what a reader of a panic wants to see).
    asm volatile("stp x0, x1, [%0, #0]\n stp x2, x3, [%0, #16]\n stp x4, x5, [%0, #32]\n stp x6, x7, [%0, #48]\n"
                 "stp x8, x9, [%0, #64]\n stp x10, x11, [%0, #80]\n stp x12, x13, [%0, #96]\n"
                 "stp x14, x15, [%0, #112]\n stp x16, x17, [%0, #128]\n stp x18, x19, [%0, #144]\n"
                 "stp x20, x21, [%0, #160]\n stp x22, x23, [%0, #176]\n stp x24, x25, [%0, #192]\n"
                 "stp x26, x27, [%0, #208]\n stp x28, x29, [%0, #224]\n str x30, [%0, #240]\n"
                 :
                 : "r"(&frame)
                 : "memory");
    asm volatile("mov %0, sp" : "=r"(frame.sp));
    asm volatile("adr %0, ." : "=r"(frame.elr));
    frame.spsr = ATH_READ_SYSREG(daif) | ATH_READ_SYSREG(CurrentEL);
    frame.esr = ATH_READ_SYSREG(esr_el1);
    frame.far = ATH_READ_SYSREG(far_el1);
    println("registers:");
    print_exception_frame(frame);
}

} // namespace ath::aarch64
