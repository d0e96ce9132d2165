#pragma once

#include <kernel/lib/Types.h>

namespace ath::debug {

// Power-off status after a panic or an unhandled CPU exception (0 means success in the boot
// contract; 3 leaves 1 and 2 to the self-test and module failures).
inline constexpr u8 panic_status = 3;

// Ends the kernel after a fatal report has been printed: power off with panic_status (QEMU exits),
// or halt where the machine cannot power off.
[[noreturn]] void stop_after_fatal_error();

// Called once by stop_after_fatal_error, before the power-off, to add what a subsystem knows about
// the failure (kernel/process/Threads: which kernel thread ran, and whether its stack overflowed
// into its guard page). Runs on whatever stack the report runs on: keep it small.
using FatalErrorHook = void (*)();
void set_fatal_error_hook(FatalErrorHook hook);

} // namespace ath::debug
