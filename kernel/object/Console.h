#pragma once

// The console as a kernel object: the one place console text and console input meet.
//
// Output: until a driver attaches, the owner of the system console (kernel/main) prints console
// text on the early console itself. A driver (the UART driver module, which holds `serial-port`)
// attaches with an Event and bits; from then on write_output appends to a 64 KiB ring and signals
// those bits, and the driver, which sleeps in event_wait (on them and on its UART's Irq bits),
// drains the ring (read_output) and writes it to the UART itself. A full ring drops bytes and
// counts them. When the driver ends (exit, trap, kill) it detaches: what the ring still holds goes
// to the early-console sink given at construction, so no output is lost.
//
// Input goes the other way: received bytes wait in a 4 KiB queue for the readers of stdin. While a
// driver is attached it hands them over (console_input); while none is (before it attaches, after
// it ended, or never: the `exec` image), the console takes them from the early input source its
// owner gave it (kernel/main: the UART's receive register, polled), at attach and while a reader
// waits (every input_poll_interval_ns; no polling when nobody reads, the UART holds the bytes). So
// input typed before the driver attaches is kept, and stdin works with no driver at all.
// No line discipline: the bytes are raw and shared first come, first served by every reader, with
// one rule for the end of input: an EOT (0x04, Ctrl-D) at the front of the queue ends one read with
// 0 bytes (end of file) and is taken; a read stops before an EOT further on. The queue belongs to
// the console, not to the driver: input survives a driver restart.
//
// Waiting goes through the WaitProvider (kernel: process::wait_until with its stop rule), so a
// thread that must stop (killed, or running a handler of a dying server) ends its wait at once.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Span.h>
#include <kernel/object/Event.h>
#include <kernel/object/Object.h>
#include <kernel/platform/WaitProvider.h>

namespace ath::object {

// The console's three streams: what is typed, and the two kinds of text written (a process's
// stdout and stderr). Booted both kinds end on the one serial line; a hosted console (./azoth exec)
// keeps them apart (the host's fd 1 and fd 2). kernel/object/Stream.h makes each one an object.
enum class StreamKind : u8 { Input, Output, Error };

class Console final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Console;
    static constexpr usize output_capacity = usize(64) * 1024;
    static constexpr usize input_capacity = 4096;

    // The sinks the console's owner (kernel/main) gives it: `early` prints text while no driver is
    // attached and takes what the ring still holds when the driver detaches (the early console);
    // `mirror` (may be null) gets every write as well (the framebuffer console). `which` is Output
    // or Error (text the ring held when the driver went is Output).
    using Sink = void (*)(StreamKind which, ReadonlyBytes text);
    // `early_input` (may be null) copies up to buffer.size() bytes the early console has received
    // into `buffer` without waiting and returns how many; the console calls it only while no
    // driver is attached (the driver owns the UART). It sets `ended` when its input has ended for
    // good (a hosted console's stdin at end of file): once the queue is empty, every read is 0.
    using InputSource = usize (*)(Bytes buffer, bool& ended);
    static constexpr u8 end_of_input = 0x04; // EOT: see "end of input" above
    static constexpr u64 input_poll_interval_ns = 10'000'000;

    Console(WaitProvider& waiter, Sink early, Sink mirror = nullptr, InputSource early_input = nullptr)
        : Object(ObjectType::Console)
        , m_waiter(waiter)
        , m_early_sink(early)
        , m_mirror_sink(mirror)
        , m_early_input(early_input)
    {
    }

    // The kernel's console (made at boot by kernel/main); null before that and in hosted builds
    // that did not install one.
    static Console* system();
    static void set_system(Console*);

    // ---- The driver. `driver` names the attached party (the kernel passes its process). ----
    // `output` gets `output_bits` signalled whenever text is queued (and once at attach when text
    // is already waiting); the console keeps a reference until the driver detaches. Attaching
    // again replaces the event. Busy when another driver is attached, InvalidArgument for no event
    // or no bits (nothing changes). Before the driver takes over, what the early input source
    // holds is queued (input typed before the driver attached is kept, in order).
    ErrorOr attach(const void* driver, RefPtr<Event> output, u32 output_bits);
    // No effect unless `driver` is attached. Flushes the ring to the early sink.
    void detach(const void* driver);
    bool attached_to(const void* driver) const { return driver && m_driver == driver; }
    bool has_driver() const { return m_driver != nullptr; }

    // Blocks until text is queued, the monotonic deadline passes (wait_forever: none) or the
    // thread must stop; copies up to buffer.size() bytes. 0 when nothing was taken.
    usize read_output(Bytes buffer, u64 deadline_ns);
    u64 dropped_bytes() const { return m_dropped; }
    usize output_queued() const { return m_count; }

    // ---- Writers. ----
    // Console text from anyone (the kernel log, a module's stdout or stderr): into the ring while a
    // driver is attached, otherwise straight to the early sink; and to the mirror.
    void write(ReadonlyBytes text, StreamKind which = StreamKind::Output);
    // Queues `text` for the driver (bytes beyond the ring's room are dropped and counted). False,
    // and nothing queued, when no driver is attached: the caller prints it on the early console.
    bool write_output(ReadonlyBytes text);

    // ---- Input. ----
    // Queues received bytes for the readers. Exhausted (nothing queued) when they do not all fit.
    ErrorOr queue_input(ReadonlyBytes bytes);
    // Blocks until input is queued, then copies up to buffer.size() bytes, stopping before an
    // EOT; 0 when the queue starts with an EOT (end of input: the EOT is taken) or is empty after
    // the early input source ended. Busy when the
    // thread must stop while it waits; nothing is taken.
    Result<usize> read_input(Bytes buffer);
    // Blocks until input is queued (true: read_input would not block, an EOT included), the
    // deadline passes (false) or the thread must stop (Busy). A deadline in the past only checks.
    Result<bool> wait_input(u64 deadline_ns);
    usize input_queued() const { return m_input_count; }

    // ---- Echo: the terminal's local echo, which the driver does. ----
    // On by default: the driver shows what is typed (and turns CR into LF), so a module that only
    // reads lines sees them on screen. A reader that edits lines itself (azsh: it echoes, moves the
    // cursor, recalls history) turns it off; it is on again once that reader ends (release_echo
    // from the process's end) or turns it back on. The last caller owns the setting.
    bool echoes() const { return m_echo; }
    void set_echo(const void* reader, bool on)
    {
        m_echo = on;
        m_echo_owner = on ? nullptr : reader;
    }
    void release_echo(const void* reader)
    {
        if (reader && m_echo_owner == reader)
            set_echo(nullptr, true);
    }

private:
    void flush_to_early_sink();
    // Queues what the early input source holds (only while no driver is attached); true when
    // something was queued.
    bool take_early_input();
    // Waits for m_input_sequence to change from `seen`: until the deadline while a driver feeds
    // the queue, at most input_poll_interval_ns while the early source must be polled.
    WaitOutcome wait_for_input(u32 seen, u64 deadline_ns);

    WaitProvider& m_waiter;
    Sink m_early_sink;
    Sink m_mirror_sink;
    InputSource m_early_input;

    u8 m_ring[output_capacity];
    usize m_head { 0 }; // next byte to read
    usize m_count { 0 };
    u64 m_dropped { 0 };
    u32 m_output_sequence { 0 }; // changes whenever text is queued or the driver goes: the driver's wait word

    const void* m_driver { nullptr };
    RefPtr<Event> m_output_event;
    u32 m_output_bits { 0 };

    u8 m_input[input_capacity];
    usize m_input_head { 0 };
    usize m_input_count { 0 };
    u32 m_input_sequence { 0 }; // changes whenever input is queued: the readers' wait word
    bool m_input_ended { false }; // the early input source has ended for good
    bool m_echo { true };
    const void* m_echo_owner { nullptr }; // who turned the echo off
};

} // namespace ath::object
