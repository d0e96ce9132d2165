#include "Call.h"

namespace ath::ipc {

using namespace object;

void CallStack::enter(Process& root)
{
    VERIFY(m_depth == 0);
    m_frames[m_depth++] = &root;
    root.set_in_call(true);
}

void CallStack::leave()
{
    VERIFY(m_depth == 1);
    m_frames[0]->set_in_call(false);
    m_frames[0] = nullptr;
    m_depth = 0;
}

Result<CallWords> CallStack::call(Handle endpoint_handle, const CallWords& message)
{
    Process* caller = current();
    if (!caller)
        return Error::from(ErrorCode::Invalid, "no process is running on this thread");
    auto endpoint = TRY(caller->handles().lookup<Endpoint>(endpoint_handle, Rights::Call));
    Process& server = endpoint.object->server();
    if (server.refuses_calls())
        return Error::from(ErrorCode::NotFound, "server has exited or is being killed");
    if (server.is_in_call())
        return Error::from(ErrorCode::Busy, "server is already on the call stack (re-entry refused)");
    if (m_depth == max_depth)
        return Error::from(ErrorCode::Exhausted, "call depth limit reached");

    m_frames[m_depth++] = &server;
    server.set_in_call(true);
    auto reply = endpoint.object->target().handle(server, message);
    server.set_in_call(false);
    m_frames[--m_depth] = nullptr;
    if (m_waker)
        m_waker->wake_all(server.in_call_word());

    // Killed while its handler ran (booted): whatever the handler returned, the server is gone.
    if (!reply.is_error() && server.refuses_calls())
        reply = Error::from(ErrorCode::Trap, "server was killed during the call");
    if (reply.is_error()) {
        if (reply.error().code == ErrorCode::Trap) {
            server.record_trap();
            return Error::from(ErrorCode::Trap, "server trapped");
        }
        return reply.release_error();
    }
    return reply.release_value();
}

} // namespace ath::ipc
