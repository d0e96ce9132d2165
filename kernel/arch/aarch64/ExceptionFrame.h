#pragma once

// The register state Vectors.S saves on every exception, lowest address first. Handlers may
// edit x0-x30, elr and spsr: the stub restores them (a caught fault resumes somewhere else by
// changing elr and x0/x1).
#include <kernel/lib/Types.h>

namespace ath::aarch64 {

struct alignas(16) ExceptionFrame {
    u64 x[31];
    u64 sp;   // the interrupted stack pointer (read-only: the stub returns to frame + size)
    u64 elr;  // where the exception was taken (the faulting instruction for synchronous aborts)
    u64 spsr;
    u64 esr;
    u64 far;
    u64 vector; // source * 4 + type, see ExceptionVector
    u64 unused;
    u64 q[32][2];
    u64 fpcr, fpsr;
};
static_assert(sizeof(ExceptionFrame) == 832, "must match the layout in Vectors.S");
static_assert(__builtin_offsetof(ExceptionFrame, q) == 304, "must match the layout in Vectors.S");

// Type of exception in the low two bits of `vector`; the source (0 = current EL with SP_EL0,
// 1 = current EL with SP_ELx, 2 = lower EL AArch64, 3 = lower EL AArch32) above them.
enum ExceptionType : u64 { synchronous = 0, irq = 1, fiq = 2, system_error = 3 };

extern "C" void aarch64_exception_dispatch(ExceptionFrame* frame);
void print_exception_frame(const ExceptionFrame& frame);

// InterruptController.cpp: acknowledge, dispatch and end one interrupt.
void handle_irq();

// Set by Entry.S: the loader's BootInfo pointer, for the console (read before kernel_main
// validates anything, so the console checks what it uses).
extern "C" u64 aarch64_boot_info;

} // namespace ath::aarch64
