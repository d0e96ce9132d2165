#pragma once

// Console output through a driver module. Until a driver attaches, console text goes straight to
// the arch's early console. The module holding the `serial-port` capability attaches (import
// azoth.console_attach) with an Event and bits; from then on every console write — the kernel's
// and the modules' WASI stdout/stderr — is appended to a ring and signals those bits, and the
// driver, which sleeps in event_wait (on them and on its UART's Irq bits), drains the ring
// (console_read) and writes it to the UART itself. When the driver ends (exit, trap, kill) the stream detaches and the early
// console takes over again, with whatever the ring still held, so no output is lost.
// Writes are declined (printed directly) with interrupts disabled: a panic never waits for a driver.
//
// Console input goes the other way: the driver hands the bytes it received from the UART to
// console_input (import azoth.console_input) and they wait in an input queue for the modules that
// read their stdin (WASI fd_read on fd 0, which needs the `console` capability). Line discipline:
// none in the kernel — the bytes are raw and shared first come, first served by every reader; the
// driver (modules/uart) echoes what it receives and turns a typed CR into LF, so a terminal behaves
// like a simple line-editing-free TTY. Input survives a driver restart (the queue is the kernel's).
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/object/Event.h>

namespace ath::process {

class Process;

// `output` gets `output_bits` signalled whenever console text is queued (and once at attach when
// text is already waiting); the stream keeps a reference until the driver detaches. Attaching
// again replaces the event. Errors: Busy when another process is attached, InvalidArgument for no
// event or no bits (nothing changes).
ErrorOr console_attach(Process& driver, object::RefPtr<object::Event> output, u32 output_bits);
void console_detach(Process& driver);
bool console_attached_to(const Process& process);

// The driver: blocks until text is queued (or the deadline passes: returns 0), copies up to
// buffer.size() bytes. Returns 0 immediately when the thread must stop (process::must_stop_waiting).
usize console_read(Bytes buffer, Optional<u64> deadline_ns);

// Bytes dropped because the ring was full (the driver fell behind).
u64 console_dropped_bytes();

// The driver: queues received bytes for the readers. Exhausted (and nothing queued) when they do
// not all fit; the driver keeps them and retries.
ErrorOr console_input(ReadonlyBytes bytes);
// A reader: blocks until input is queued, then copies up to buffer.size() bytes. Busy when this
// thread must stop while it waits (killed, or it runs a handler of a server that is being killed:
// process::must_stop_waiting); nothing is taken.
Result<usize> console_input_read(Bytes buffer);
// Blocks until input is queued (true), the deadline passes (false) or this thread must stop
// (Busy, as above). A deadline in the past only checks.
Result<bool> console_input_wait(Optional<u64> deadline_ns);
inline constexpr usize console_input_capacity = 4096;

} // namespace ath::process
