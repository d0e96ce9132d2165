#pragma once

// The synchronous, migrating call. The caller's thread runs the server's handler directly: no
// copy beyond the four argument and four result words, no allocation. (Booted, a caller may first
// wait for a Store another thread holds: StoreGate.)
//
// Rules (docs/ipc.md):
//  - The caller needs Rights::Call on the endpoint handle (BadHandle / PermissionDenied otherwise).
//  - The "current process" becomes the server for the duration of the handler, then goes back.
//  - Nesting: a server may call other endpoints, up to max_depth processes on the stack
//    (deeper -> Exhausted).
//  - Re-entry is refused: calling into a process that is already on the call stack (including
//    oneself) -> Busy. A server therefore never sees a second call while one is in progress, and
//    call cycles cannot deadlock or recurse without bound.
//  - A server busy on another thread (booted: its own thread runs Wasm, or another caller's call
//    runs in its Store): with a StoreGate the caller waits its turn (FIFO) unless waiting would
//    close a cycle (Busy); without one (hosted) -> Busy.
//  - A server that traps gives the caller ErrorCode::Trap ("server trapped"); the caller keeps
//    running. The server's trap count goes up; it stays callable (its supervisor decides).
//  - A server process that has terminated -> NotFound.
#include <kernel/object/Endpoint.h>
#include <kernel/object/Waiting.h>

namespace ath::ipc {

// Who is running on this thread, innermost last. One per thread that runs modules.
class CallStack;

// Booted (kernel/process/ProcessIpc.cpp): the queue of threads waiting for a busy Store.
class StoreGate {
public:
    // `server` is held by another thread and is not on `calls`: wait until `calls`'s thread may
    // run in it. On success the Store is this thread's (its in_call word stays set). Busy: waiting
    // would close a cycle of waits, or the waiting thread is being killed; NotFound: the server
    // is being killed or has ended.
    virtual ErrorOr wait_turn(object::ProcessObject& server, CallStack& calls) = 0;
    // A call leaves `server` and someone waits for it (server.has_store_waiters()): hand the Store
    // to the first waiter.
    virtual void hand_over(object::ProcessObject& server) = 0;

protected:
    ~StoreGate() = default;
};

class CallStack {
public:
    static constexpr u32 max_depth = 16;

    // The thread starts running `root` (the module the embedder invoked). Must be balanced by
    // leave(); the stack must be empty.
    void enter(object::ProcessObject& root);
    void leave();

    object::ProcessObject* current() const { return m_depth ? m_frames[m_depth - 1] : nullptr; }
    u32 depth() const { return m_depth; }
    object::ProcessObject* frame(u32 index) const { return index < m_depth ? m_frames[index] : nullptr; }
    bool contains(const object::ProcessObject& process) const;

    // Booted: callers of a busy server wait their turn through `gate` (null: Busy at once).
    void set_gate(StoreGate* gate) { m_gate = gate; }
    StoreGate* gate() const { return m_gate; }

    // Calls through `endpoint` (a handle in the current process's table); the reply goes to `reply`.
    ErrorOr call(object::Handle endpoint, const object::CallWords& message, object::CallWords& reply);
    Result<object::CallWords> call(object::Handle endpoint, const object::CallWords& message)
    {
        object::CallWords reply;
        TRY(call(endpoint, message, reply));
        return reply;
    }

private:
    // The last endpoint handle resolved on this thread. It holds a reference, so the endpoint
    // stays alive while cached; it is used only while the caller's table has the epoch it had
    // when the handle was looked up (any close, revoke, move or narrowing there changes the
    // epoch, and epochs are never reused), so it answers exactly what a fresh lookup would.
    // During a call the entry (and its reference) moves to the call's frame and comes back after
    // it, so the endpoint stays pinned without reference count traffic. Dropped when the root
    // leaves, so nothing is pinned after a run.
    struct CachedEndpoint {
        const object::HandleTable* table { nullptr };
        object::Handle handle { object::invalid_handle };
        u64 epoch { 0 };
        object::RefPtr<object::Endpoint> endpoint;
    };
    ErrorOr resolve(object::ProcessObject& caller, object::Handle endpoint, CachedEndpoint& resolved);
    void give_back(CachedEndpoint& resolved);
    void release_store(object::ProcessObject& store);
    void forget_cached() { m_cached = {}; }

    object::ProcessObject* m_frames[max_depth] {};
    u32 m_depth { 0 };
    StoreGate* m_gate { nullptr };
    CachedEndpoint m_cached;
};

} // namespace ath::ipc
