#include "Stream.h"

namespace ath::object {

Result<usize> Stream::write(ReadonlyBytes bytes)
{
    if (is_input())
        return Error::from(ErrorCode::InvalidArgument, "the input stream is not written");
    usize length = min(bytes.size(), max_write);
    m_console->write(bytes.slice(0, length), m_kind);
    return length;
}

Result<usize> Stream::read(Bytes buffer)
{
    if (!is_input())
        return Error::from(ErrorCode::InvalidArgument, "an output stream is not read");
    return m_console->read_input(buffer);
}

Result<bool> Stream::wait_readable(u64 deadline_ns)
{
    if (!is_input())
        return Error::from(ErrorCode::InvalidArgument, "an output stream is not read");
    return m_console->wait_input(deadline_ns);
}

} // namespace ath::object
