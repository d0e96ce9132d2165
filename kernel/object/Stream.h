#pragma once

// A standard stream as a kernel object: one of a console's streams (kernel/object/Console.h), its
// input or one kind of its output. A process reaches its stdin, stdout and stderr only through
// the streams it was given (WASI fds 0, 1 and 2 name them: sys::WasiContext's stdio table), never
// the console itself, so whoever starts a process decides where its streams go. What a stream
// allows follows from its kind: the input stream is read (and waited on), the output and error
// streams are written; anything else is InvalidArgument and changes nothing.
#include <kernel/object/Console.h>

namespace ath::object {

class Stream final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Stream;
    // The most one write takes (a short write, as fd_write allows): one call cannot hold the CPU
    // for a whole large buffer.
    static constexpr usize max_write = 4096;

    Stream(RefPtr<Console> console, StreamKind kind) : Object(ObjectType::Stream), m_console(move(console)), m_kind(kind) { }

    StreamKind kind() const { return m_kind; }
    bool is_input() const { return m_kind == StreamKind::Input; }
    Console& console() const { return *m_console; }

    // Output and error streams: hands at most max_write bytes of `bytes` to the console as this
    // stream's kind of text and returns how many.
    Result<usize> write(ReadonlyBytes bytes);
    // The input stream: blocks until input is there and copies up to buffer.size() bytes; 0 at the
    // end of input (Console::read_input). Busy when the thread must stop while it waits.
    Result<usize> read(Bytes buffer);
    // The input stream: true when read would not block, false when the monotonic deadline
    // (wait_forever: none) passed first, Busy when the thread must stop.
    Result<bool> wait_readable(u64 deadline_ns);

private:
    RefPtr<Console> m_console;
    StreamKind m_kind;
};

} // namespace ath::object
