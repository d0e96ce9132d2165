#include "Call.h"

namespace ath::ipc {

using namespace object;

void CallStack::enter(ProcessObject& root)
{
    VERIFY(m_depth == 0);
    m_frames[m_depth++] = &root;
    // Booted: the root's own thread has taken its Store already (ProcessIpc::run), waiters included.
    if (!root.is_in_call())
        root.set_in_call(true);
}

bool CallStack::contains(const ProcessObject& process) const
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
    ProcessObject& root = *m_frames[0];
    m_frames[0] = nullptr;
    m_depth = 0;
    release_store(root);
    forget_cached();
}

// Lets go of a Store this thread holds: to the next queued caller, or free.
void CallStack::release_store(ProcessObject& store)
{
    if (m_gate && store.has_store_waiters())
        m_gate->hand_over(store);
    else
        store.set_in_call(false);
}

// The slow path of call(): looks the handle up (the fast path takes the cached entry).
ErrorOr CallStack::resolve(ProcessObject& caller, Handle endpoint_handle, CachedEndpoint& resolved)
{
    HandleTable& table = caller.handles();
    // The epoch is read before the lookup: a change racing with it makes the entry stale, not wrong.
    u64 epoch = table.epoch();
    auto endpoint = TRY(table.lookup<Endpoint>(endpoint_handle, Rights::Call));
    resolved.table = &table;
    resolved.handle = endpoint_handle;
    resolved.epoch = epoch;
    resolved.endpoint = move(endpoint.object);
    return {};
}

// Puts a resolved entry back in the cache unless a nested call has filled it meanwhile (then the
// entry's reference is dropped with it).
void CallStack::give_back(CachedEndpoint& resolved)
{
    if (!m_cached.endpoint)
        m_cached = move(resolved);
}

ErrorOr CallStack::call(Handle endpoint_handle, const CallWords& message, CallWords& reply)
{
    ProcessObject* caller = current();
    if (!caller)
        return Error::from(ErrorCode::Invalid, "no process is running on this thread");
    CachedEndpoint resolved;
    HandleTable& table = caller->handles();
    if (m_cached.table == &table && m_cached.handle == endpoint_handle && m_cached.epoch == table.epoch()) [[likely]] {
        resolved = move(m_cached);
        m_cached.table = nullptr;
    } else {
        forget_cached(); // the entry of another handle (frames in progress hold their own)
        TRY(resolve(*caller, endpoint_handle, resolved));
    }
    Endpoint& endpoint = *resolved.endpoint;
    ProcessObject& server = endpoint.server();
    bool busy = server.is_in_call();
    if (server.refuses_calls() || busy || m_depth == max_depth) [[unlikely]] {
        // On this stack (or no gate, hosted): re-entry. Held by another thread: wait in its queue.
        Error refusal = Error::from(ErrorCode::Invalid, nullptr);
        if (server.refuses_calls())
            refusal = Error::from(ErrorCode::NotFound, "server has exited or is being killed");
        else if (busy && (!m_gate || contains(server)))
            refusal = Error::from(ErrorCode::Busy, "server is already on the call stack (re-entry refused)");
        else if (m_depth == max_depth)
            refusal = Error::from(ErrorCode::Exhausted, "call depth limit reached");
        if (refusal.reason) {
            give_back(resolved);
            return refusal;
        }
        TRY(m_gate->wait_turn(server, *this)); // busy on another thread: our turn, or an error
        // The capability is checked again after the wait: a handle revoked or closed while its
        // call waited its turn does not get to call (revocation takes effect at once).
        if (table.epoch() != resolved.epoch) {
            CachedEndpoint again;
            auto still = resolve(*caller, endpoint_handle, again);
            if (still.is_error() || again.endpoint.get() != resolved.endpoint.get()) {
                release_store(server);
                give_back(resolved);
                if (still.is_error())
                    return still.release_error();
                return Error::from(ErrorCode::BadHandle, "the endpoint handle changed while the call waited");
            }
            resolved.epoch = again.epoch;
        }
    } else {
        server.set_in_call(true);
    }

    m_frames[m_depth++] = &server;
    auto outcome = endpoint.target().handle_into(server, message, reply);
    m_frames[--m_depth] = nullptr;
    release_store(server);

    // Killed while its handler ran (booted): whatever the handler returned, the server is gone.
    if (!outcome.is_error() && server.refuses_calls())
        outcome = Error::from(ErrorCode::Trap, "server was killed during the call");
    if (outcome.is_error()) [[unlikely]] {
        bool trapped = outcome.error().code == ErrorCode::Trap;
        if (trapped)
            server.record_trap();
        give_back(resolved);
        if (trapped)
            return Error::from(ErrorCode::Trap, "server trapped");
        return outcome.release_error();
    }
    give_back(resolved);
    return {};
}

} // namespace ath::ipc
