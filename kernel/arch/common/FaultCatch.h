#pragma once

// Catching CPU faults for generic code (Arch::run_catching_faults), the part every port shares:
// the catch armed on this CPU, which faults may resume in it and what it then returns. A port's
// exception handler asks catch_for_fault, describes the fault from its own frame, calls
// resume_caught_fault and rewrites its frame so that the exception return lands where
// arch_catch_call returns 1.
#include ATH_ARCH_PORT_HEADER

// A port's CatchContext also says the highest stack pointer at which code that the catch call's
// body runs can fault (highest_body_stack_pointer): where calls push nothing (aarch64, riscv64)
// the saved one itself, since a body that tail-calls into faulting code faults with exactly it.
//
// Each port's assembly: saves in `context` (the port's CatchContext, kernel/arch/<arch>/Port.h)
// what a fault needs to resume as if this call returned, runs body(argument) and returns 0; it
// returns 1 when a caught fault resumed it.
extern "C" ath::u64 arch_catch_call(ath::ATH_ARCH_NAMESPACE::CatchContext* context, void (*body)(void*),
                                    void* argument);

namespace ath::ATH_ARCH_NAMESPACE {

// The armed catch a fault at `fault_stack_pointer` resumes in; null when none is armed or the
// fault is not on its stack. The catch is armed per CPU, not per thread: only a fault on the
// stack that armed it, deeper than the arming call, may resume there. A fault on another stack
// (another thread) is not this catch's business and is reported as unhandled instead of jumping
// into someone else's frame.
CatchContext* catch_for_fault(u64 fault_stack_pointer);

// Makes `fault` what the armed catch's run_catching_faults returns, and disarms it.
void resume_caught_fault(const FaultInfo& fault);

} // namespace ath::ATH_ARCH_NAMESPACE
