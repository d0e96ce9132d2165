#include "Call.h"

namespace ath::ipc {

using namespace object;

void CallStack::enter(Process& root)
{
    VERIFY(m_depth == 0);
    m_frames[m_depth++] = &root;
    // Booted: the root's own thread has taken its Store already (ProcessIpc::run), waiters included.
    if (!root.is_in_call())
        root.set_in_call(true);
}

bool CallStack::contains(const Process& process) const
{
    for (u32 i = 0; i < m_depth; ++i) {
        if (m_frames[i] == &process)
            return true;
    }
    return false;
}

void CallStack::leave()
{
    VERIFY(m_depth == 1);
    Process& root = *m_frames[0];
    m_frames[0] = nullptr;
    m_depth = 0;
    if (m_gate && root.has_store_waiters())
        m_gate->hand_over(root);
    else
        root.set_in_call(false);
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
    bool busy = server.is_in_call();
    // On this stack (or no gate, hosted): re-entry. Held by another thread: wait in its queue.
    if (busy && (!m_gate || contains(server)))
        return Error::from(ErrorCode::Busy, "server is already on the call stack (re-entry refused)");
    if (m_depth == max_depth)
        return Error::from(ErrorCode::Exhausted, "call depth limit reached");
    if (busy) {
        TRY(m_gate->wait_turn(server, *this));
    } else {
        server.set_in_call(true);
    }

    m_frames[m_depth++] = &server;
    auto reply = endpoint.object->target().handle(server, message);
    m_frames[--m_depth] = nullptr;
    if (m_gate && server.has_store_waiters())
        m_gate->hand_over(server);
    else
        server.set_in_call(false);

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
