#include "HostedConsole.h"

#include <kernel/platform/hosted/HostedSupport.h>

#include <errno.h>
#include <poll.h>
#include <unistd.h>

namespace ath::hosted {

namespace {

wasm::hosted::MallocAllocator g_allocator;

void write_fully(int fd, ReadonlyBytes text)
{
    usize done = 0;
    while (done < text.size()) {
        ssize_t written = write(fd, text.data() + done, text.size() - done);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return; // the reader went away: nothing more to do with the text
        done += static_cast<usize>(written);
    }
}

void write_stdio(object::StreamKind which, ReadonlyBytes text) { write_fully(which == object::StreamKind::Error ? 2 : 1, text); }

// What fd 0 holds now, without waiting (the console waits between polls).
usize read_stdin(Bytes buffer, bool& ended)
{
    pollfd descriptor { 0, POLLIN, 0 };
    if (poll(&descriptor, 1, 0) <= 0)
        return 0;
    ssize_t length = read(0, buffer.data(), buffer.size());
    if (length > 0)
        return static_cast<usize>(length);
    if (length == 0 || (errno != EINTR && errno != EAGAIN))
        ended = true; // end of file, or stdin is unusable: the end of input either way
    return 0;
}

} // namespace

HostedConsole::HostedConsole()
{
    m_console = make_object<object::Console>(g_allocator, m_waiter, write_stdio, nullptr, read_stdin).release_value();
    constexpr object::StreamKind kinds[3] = { object::StreamKind::Input, object::StreamKind::Output, object::StreamKind::Error };
    for (u32 fd = 0; fd < 3; ++fd)
        m_streams[fd] = make_object<object::Stream>(g_allocator, m_console, kinds[fd]).release_value();
}

} // namespace ath::hosted
