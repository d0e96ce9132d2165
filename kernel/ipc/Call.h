#pragma once

// The synchronous, migrating call. The caller's thread runs the server's handler directly: no
// queue, no copy beyond the four argument and four result words, no allocation.
//
// Rules (docs/ipc.md):
//  - The caller needs Rights::Call on the endpoint handle (BadHandle / PermissionDenied otherwise).
//  - The "current process" becomes the server for the duration of the handler, then goes back.
//  - Nesting: a server may call other endpoints, up to max_depth processes on the stack
//    (deeper -> Exhausted).
//  - Re-entry is refused: calling into a process that is already on the call stack (including
//    oneself) -> Busy. A server therefore never sees a second call while one is in progress, and
//    call cycles cannot deadlock or recurse without bound.
//  - A server that traps gives the caller ErrorCode::Trap ("server trapped"); the caller keeps
//    running. The server's trap count goes up; it stays callable (its supervisor decides).
//  - A server process that has terminated -> NotFound.
#include <kernel/object/Endpoint.h>
#include <kernel/object/Waiting.h>

namespace ath::ipc {

// Who is running on this thread, innermost last. One per thread that runs modules.
class CallStack {
public:
    static constexpr u32 max_depth = 16;

    // The thread starts running `root` (the module the embedder invoked). Must be balanced by
    // leave(); the stack must be empty.
    void enter(object::Process& root);
    void leave();

    object::Process* current() const { return m_depth ? m_frames[m_depth - 1] : nullptr; }
    u32 depth() const { return m_depth; }

    // Booted: wakes whoever waits for a server's in_call word when a call leaves it.
    void set_waker(object::WaitProvider* waker) { m_waker = waker; }

    // Calls through `endpoint` (a handle in the current process's table).
    Result<object::CallWords> call(object::Handle endpoint, const object::CallWords& message);

private:
    object::Process* m_frames[max_depth] {};
    u32 m_depth { 0 };
    object::WaitProvider* m_waker { nullptr };
};

} // namespace ath::ipc
