#pragma once

// Walking frame-pointer chains, the same on every port but for where the frame record sits
// (kernel/arch/<arch>/Port.h): Arch::next_frame, and the backtrace that ends every port's
// report of an unhandled exception.
#include <kernel/arch/Arch.h>

namespace ath::arch_common {

// The frame whose frame pointer is `frame_pointer`. Only aligned, mapped kernel addresses are
// followed, so a corrupt chain ends the walk instead of faulting inside a fault report.
Optional<StackFrame> frame_at(u64 frame_pointer);

// Prints "backtrace:", the interrupted instruction and the interrupted function's frame chain
// (from its frame pointer), then stops the kernel.
[[noreturn]] void print_backtrace_and_stop(u64 instruction_address, u64 frame_pointer);

} // namespace ath::arch_common
