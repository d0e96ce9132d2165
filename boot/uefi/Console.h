#pragma once

// The loader's environment for kernel/lib: console_write goes to the firmware console (ConOut,
// which OVMF also mirrors on the serial port) while boot services run, and to the arch's serial
// port afterwards; panic_at reports and powers off. This is the loader's only global state.
#include "Uefi.h"

#include <kernel/lib/Error.h>
#include <kernel/lib/StringView.h>

namespace ath::boot {

void attach_firmware(uefi::SystemTable* system);
// After ExitBootServices: the firmware console and boot services must not be touched again.
void detach_firmware_console();

// Prints "azboot: error: <what>: <reason> (at byte N)", waits so a human can read it, then
// powers the machine off so an automated run never hangs.
[[noreturn]] void fail(StringView what, const Error& error);
[[noreturn]] void fail(StringView message);

} // namespace ath::boot
