#pragma once

// Console output through a driver module. Until a driver attaches, console text goes straight to
// the arch's early console. The module holding the `serial-port` capability attaches (import
// azoth_device.console_attach); from then on every console write — the kernel's and the modules'
// WASI stdout/stderr — is appended to a ring that the driver drains (console_read) and writes to
// the UART itself. When the driver ends (exit, trap, kill) the stream detaches and the early
// console takes over again, with whatever the ring still held, so no output is lost.
// Writes are declined (printed directly) with interrupts disabled: a panic never waits for a driver.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::process {

class Process;

// Errors: Busy when another process is attached.
ErrorOr console_attach(Process& driver);
void console_detach(Process& driver);
bool console_attached_to(const Process& process);

// The driver: blocks until text is queued (or the deadline passes: returns 0), copies up to
// buffer.size() bytes. Returns 0 immediately when the driver is being killed.
usize console_read(Bytes buffer, Optional<u64> deadline_ns);

// Bytes dropped because the ring was full (the driver fell behind).
u64 console_dropped_bytes();

} // namespace ath::process
