#pragma once

// Capabilities and IPC for booted processes (docs/ipc.md, "Booted processes").
//
// One kernel CapabilitySpace holds every process's handle table. The kernel keeps its own table
// (a kernel object::ProcessObject) and an ObjectDirectory of what it publishes: every process's
// object::ProcessObject under its module name (while it runs) and every server's Endpoint under the
// name its manifest `serves` (once its instance exports azoth_handle). A process gets the handles
// its manifest's `handle` lines name when it is spawned, narrowed to the rights the line lists
// (children of the kernel's handle); a line whose object is not published yet, or whose handle
// died later (closed, revoked, its server ended), is granted again by azoth.handle_find.
//
// Migrating calls across Stores: a call runs the server's azoth_handle on the CALLER's thread in
// the SERVER's Store. One thread at a time runs in a Store: the process's own thread holds it
// while it runs Wasm (the server's in_call word); it lets go only while it blocks at its root in
// azoth.event_wait / channel_send / channel_receive, and takes it back (waiting, not
// interruptibly) before it returns to Wasm. A call into a Store another thread holds waits its
// turn in the Store's FIFO queue (StoreGate, below): whoever leaves the Store hands it to the
// first waiter. Deadlock rule: a call whose wait would close a cycle (the Store's holder waits,
// directly or through a chain of holders, for a Store the caller holds) is E_BUSY at once.
// A waiting caller that is killed stops waiting (E_BUSY); a server that is killed or ends wakes
// its waiting callers with E_NOT_FOUND.
// Killing a server aborts a call running in its Store at the next safepoint (the caller gets
// E_SERVER_TRAPPED); its endpoint then answers E_NOT_FOUND until a restarted instance publishes
// it again (handle_find gets the new one).
#include <kernel/ipc/Call.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/object/ObjectDirectory.h>
#include <kernel/sys/Azoth.h>

namespace ath::process {

class Process;

// The kernel's capability space and its own handle table (its objects come from
// sys::kernel_object_allocator(), kernel/platform/kernel/KernelDevices.h).
object::CapabilitySpace& kernel_capability_space();

// `store`'s process is being killed: wakes every thread whose wait the stop rule now ends (those
// running a migrating call in `store`, whatever they are blocked in: Threads.h must_stop_waiting)
// and every caller queued for `store` (it leaves with E_NOT_FOUND). Other threads are not woken.
void interrupt_waits_in(object::ProcessObject& store);

// The running process whose Store this thread is executing in: the innermost frame of its call
// stack (a server's handler on a client's thread is the server), else the thread's own process.
// What the kernel does on a module's behalf is charged to this one (ResourceAccount).
Process* process_in_control();

struct IpcSpec {
    StringView name;                                   // the module's name (published as a process)
    Span<const object::ManifestHandle> handles;        // views must outlive the process (initrd)
    StringView serves;                                 // empty: serves nothing
};

// One process's side: its object::ProcessObject, its azoth context while its Store lives, and the call
// stack of its thread.
class ProcessIpc {
public:
    ProcessIpc() = default;
    ~ProcessIpc() { end(); }
    ProcessIpc(const ProcessIpc&) = delete;
    ProcessIpc& operator=(const ProcessIpc&) = delete;

    // At spawn: makes and publishes the process object and grants the manifest's handles that are
    // published already. A line naming a published object of another kind or with more rights
    // than may be granted fails the spawn (nothing left behind).
    ErrorOr prepare(const IpcSpec& spec, Process& owner);

    // On the process's thread, once its Store exists: the `azoth` context (null before).
    ErrorOr attach(wasm::Store& store);
    sys::AzothContext* context() { return m_context; }
    // After instantiation: memory for pointers and regions; a server's endpoint is published.
    ErrorOr instantiated(wasm::Instance& instance);
    // Runs `start` as this thread's root process.
    ErrorOr run(wasm::Function& start);
    // A reset (Process::reset), on the process's thread once its Wasm code has unwound (it holds
    // its Store): every handle closed and mapping undone (what it created or was given since it
    // started), the manifest's handles granted and named again, calls taken again and the Store
    // let go, so that run() takes it in turn with callers queued meanwhile. The process object,
    // its published names and its endpoint stay: clients keep their handles to it.
    void reset();
    // The process is ending, on its thread, before its Store goes: terminate the object (handles
    // closed, mappings undone), withdraw what was published, drop the context. Idempotent.
    void end();

    ipc::CallStack& calls() { return m_calls; }
    object::ProcessObject* object() const { return m_object.get(); }
    Process* owner() const { return m_owner; }
    StringView serves() const { return StringView(m_serves, m_serves_length); }
    Span<const object::ManifestHandle> manifest_handles() const { return m_handles.span(); }

    // A thread waiting for a busy Store (on its kernel stack while it waits).
    struct StoreWaiter {
        static constexpr u32 waiting = 0, granted = 1, gone = 2;
        ProcessIpc* thread { nullptr }; // the waiting thread's process
        StoreWaiter* next { nullptr };
        u32 state { waiting };          // a WaitProvider word
    };
    // This process's Store, as the object of a queue (kernel/process/ProcessIpc.cpp, KernelStoreGate).
    struct StoreQueue {
        StoreWaiter* head { nullptr };
        StoreWaiter* tail { nullptr };
        StoreWaiter* handed { nullptr }; // granted the Store, not running yet
    };
    StoreQueue& store_queue() { return m_queue; }
    // This process's thread, as a waiter: the Store it waits for (null: none).
    object::ProcessObject* waiting_for() const { return m_waiting_for; }
    void set_waiting_for(object::ProcessObject* store) { m_waiting_for = store; }

private:
    void withdraw();

    Process* m_owner { nullptr };
    object::RefPtr<object::ProcessObject> m_object;
    object::Handle m_published_process { object::invalid_handle };
    object::Handle m_published_endpoint { object::invalid_handle };
    char m_name[object::Manifest::max_name_length + 1] {};
    usize m_name_length { 0 };
    char m_serves[object::Manifest::max_name_length + 1] {};
    usize m_serves_length { 0 };
    FixedVector<object::ManifestHandle, object::Manifest::max_handles> m_handles;
    object::Handle m_granted[object::Manifest::max_handles] {};
    alignas(sys::AzothEnvironment) u8 m_environment_storage[sizeof(sys::AzothEnvironment)] {};
    sys::AzothEnvironment* m_environment { nullptr };
    sys::AzothContext* m_context { nullptr };
    ipc::CallStack m_calls;
    StoreQueue m_queue;
    object::ProcessObject* m_waiting_for { nullptr };
};

} // namespace ath::process
