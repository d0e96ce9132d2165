#pragma once

#include <kernel/arch/Arch.h>

namespace ath::debug {

// Prints "  #n 0x... name+0x.." for `address`.
void print_code_address(usize index, u64 address);
// Prints the frame-pointer chain starting at `start` (its return address first).
void print_backtrace(StackFrame start, usize first_index = 0);

} // namespace ath::debug
