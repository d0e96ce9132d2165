#pragma once

// The console of a hosted run (./azoth exec, the hosted WASI tests): a console object
// (kernel/object/Console.h) whose early console is this Linux process's stdio, so a module's
// stdout text goes to fd 1, its stderr text to fd 2, and its stdin is read from fd 0 (end of file
// there is the end of input). No driver ever attaches. stream(fd) gives the stream objects a
// WasiContext takes as fds 0, 1 and 2.
#include <kernel/object/Stream.h>
#include <kernel/platform/hosted/HostedWait.h>

namespace ath::hosted {

class HostedConsole {
public:
    HostedConsole();
    HostedConsole(const HostedConsole&) = delete;
    HostedConsole& operator=(const HostedConsole&) = delete;

    // fd 0: the input stream, 1: output, 2: error.
    object::Stream* stream(u32 fd) const { return fd < 3 ? m_streams[fd].get() : nullptr; }

private:
    FutexWaitProvider m_waiter;
    object::RefPtr<object::Console> m_console;
    object::RefPtr<object::Stream> m_streams[3];
};

} // namespace ath::hosted
