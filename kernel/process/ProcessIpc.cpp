#include <kernel/object/ObjectDirectory.h>
#include <kernel/lib/Placement.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/platform/kernel/KernelWait.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessIpc.h>
#include <kernel/platform/kernel/KernelDevices.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath::process {

using namespace object;

namespace {

constexpr usize max_processes = 64;

// Kernel code runs without preemption between safepoints on one CPU (Threads.h): the directory
// and the registry below change only in kernel code, never across a block, so they need no lock.
struct KernelIpc {
    CapabilitySpace space;
    RefPtr<object::ProcessObject> kernel; // the kernel's own table: what it publishes
    ObjectDirectory directory;
    ProcessIpc* processes[max_processes] {};
};

alignas(KernelIpc) u8 g_storage[sizeof(KernelIpc)];
KernelIpc* g_ipc = nullptr;

KernelIpc& kernel_ipc()
{
    if (!g_ipc) {
        g_ipc = new (g_storage) KernelIpc();
        auto kernel = object::ProcessObject::create(sys::kernel_object_allocator(), g_ipc->space, "kernel");
        VERIFY(!kernel.is_error()); // at boot, with an empty heap behind it
        g_ipc->kernel = kernel.release_value();
        // The console UART's registers and interrupt line, for a driver's manifest (kernel/platform/kernel/KernelDevices.h).
        (void)sys::publish_console_uart(sys::kernel_object_allocator(), g_ipc->kernel->handles(), g_ipc->directory);
    }
    return *g_ipc;
}

ProcessIpc* find_ipc(object::ProcessObject& process)
{
    for (auto* ipc : kernel_ipc().processes) {
        if (ipc && ipc->object() == &process)
            return ipc;
    }
    return nullptr;
}

using StoreWaiter = ProcessIpc::StoreWaiter;
using StoreQueue = ProcessIpc::StoreQueue;

u32 state_of(const StoreWaiter& waiter) { return __atomic_load_n(&waiter.state, __ATOMIC_ACQUIRE); }

// Granted or gone: the waiter no longer waits for anything (the deadlock walk must not follow it
// even before it runs again).
void set_state(StoreWaiter& waiter, u32 state)
{
    waiter.thread->set_waiting_for(nullptr);
    __atomic_store_n(&waiter.state, state, __ATOMIC_RELEASE);
    KernelWaitProvider::instance().wake_all(&waiter.state);
}

// The thread that holds `store` now: the one with it on its call stack above the root (a
// migrating call runs in it), the one it was just handed to, or else its own thread (at its
// root) unless that thread is itself queued for it. Null when nobody does.
ProcessIpc* holder_of(object::ProcessObject& store)
{
    ProcessIpc* owner = find_ipc(store);
    if (owner && owner->store_queue().handed)
        return owner->store_queue().handed->thread;
    for (auto* ipc : kernel_ipc().processes) {
        if (!ipc)
            continue;
        ipc::CallStack& calls = ipc->calls();
        for (u32 i = 1; i < calls.depth(); ++i) {
            if (calls.frame(i) == &store)
                return ipc;
        }
    }
    if (owner && store.is_in_call() && owner->waiting_for() != &store)
        return owner;
    return nullptr;
}

// The deadlock rule: `me` may wait for `store` unless its holder is `me` or waits, directly or
// through a chain of holders, for a Store `me` holds.
bool would_close_a_cycle(ProcessIpc& me, object::ProcessObject& store)
{
    object::ProcessObject* wanted = &store;
    for (usize step = 0; step <= max_processes; ++step) {
        ProcessIpc* holder = holder_of(*wanted);
        if (!holder)
            return false;
        if (holder == &me)
            return true;
        wanted = holder->waiting_for();
        if (!wanted)
            return false;
    }
    return true; // longer than any chain can be: refuse rather than risk it
}

void remove_waiter(StoreQueue& queue, object::ProcessObject& store, StoreWaiter& waiter)
{
    StoreWaiter* previous = nullptr;
    for (StoreWaiter* entry = queue.head; entry; previous = entry, entry = entry->next) {
        if (entry != &waiter)
            continue;
        if (previous)
            previous->next = entry->next;
        else
            queue.head = entry->next;
        if (queue.tail == entry)
            queue.tail = previous;
        break;
    }
    waiter.next = nullptr;
    if (!queue.head && store.is_in_call())
        store.set_store_waiters(false);
}

// Queues `me` for `store` (owned by `owner`) and waits until it is handed over. Interruptible
// waits end when this thread is being killed (Busy) or the server refuses calls (NotFound);
// every wait ends when the server ends (NotFound).
ErrorOr queue_and_wait(ProcessIpc& owner, object::ProcessObject& store, ProcessIpc& me, bool interruptible)
{
    StoreQueue& queue = owner.store_queue();
    StoreWaiter waiter;
    waiter.thread = &me;
    if (queue.tail)
        queue.tail->next = &waiter;
    else
        queue.head = &waiter;
    queue.tail = &waiter;
    store.set_store_waiters(true);
    me.set_waiting_for(&store);

    ErrorOr result {};
    for (;;) {
        u32 state = state_of(waiter);
        if (state == StoreWaiter::granted)
            break;
        if (state == StoreWaiter::gone) {
            result = Error::from(ErrorCode::NotFound, "server ended while the call waited for it");
            break;
        }
        if (!interruptible) {
            KernelWaitProvider::instance().wait_uninterruptible(&waiter.state, StoreWaiter::waiting);
            continue;
        }
        if (store.refuses_calls()) {
            remove_waiter(queue, store, waiter);
            result = Error::from(ErrorCode::NotFound, "server was killed while the call waited for it");
            break;
        }
        auto outcome = KernelWaitProvider::instance().wait(&waiter.state, StoreWaiter::waiting, object::wait_forever);
        if (outcome == object::WaitOutcome::Interrupted && state_of(waiter) == StoreWaiter::waiting) {
            remove_waiter(queue, store, waiter);
            result = Error::from(ErrorCode::Busy, "the waiting caller is being killed");
            break;
        }
    }
    me.set_waiting_for(nullptr);
    if (state_of(waiter) == StoreWaiter::granted && queue.handed == &waiter)
        queue.handed = nullptr;
    return result;
}

// Hands `store` to its first waiter (it stays held), or frees it when nobody waits.
void hand_over_store(object::ProcessObject& store)
{
    ProcessIpc* owner = find_ipc(store);
    StoreWaiter* next = owner ? owner->store_queue().head : nullptr;
    if (!next) {
        store.set_in_call(false);
        return;
    }
    StoreQueue& queue = owner->store_queue();
    queue.head = next->next;
    if (!queue.head)
        queue.tail = nullptr;
    next->next = nullptr;
    store.set_store_waiters(queue.head != nullptr);
    queue.handed = next;
    set_state(*next, StoreWaiter::granted);
}

// Takes `root`'s Store back for its own thread (not interruptibly: a thread must hold its Store
// before it may unwind), in turn with the callers queued for it.
void take_own_store(object::ProcessObject& root)
{
    if (!root.is_in_call()) {
        root.set_in_call(true);
        return;
    }
    Process* running = Process::current();
    VERIFY(running && running->ipc().object() == &root); // only a process's own thread takes its Store
    // Not interruptible, so it only fails when the process has ended meanwhile (nothing to take).
    (void)queue_and_wait(running->ipc(), root, running->ipc(), /* interruptible */ false);
}

class KernelStoreGate final : public ipc::StoreGate {
public:
    ErrorOr wait_turn(object::ProcessObject& server, ipc::CallStack& calls) override
    {
        Process* running = Process::current();
        if (!running || &running->ipc().calls() != &calls)
            return Error::from(ErrorCode::Busy, "server is busy and this thread cannot wait for it");
        ProcessIpc* owner = find_ipc(server);
        if (!owner || server.refuses_calls())
            return Error::from(ErrorCode::NotFound, "server has exited or is being killed");
        if (would_close_a_cycle(running->ipc(), server))
            return Error::from(ErrorCode::Busy, "waiting for the server would close a cycle of calls (deadlock refused)");
        TRY(queue_and_wait(*owner, server, running->ipc(), /* interruptible */ true));
        // Handed the Store, but killed meanwhile (either side): pass it on instead of running.
        if (server.refuses_calls() || running->kill_requested()) {
            hand_over_store(server);
            if (server.refuses_calls())
                return Error::from(ErrorCode::NotFound, "server was killed while the call waited for it");
            return Error::from(ErrorCode::Busy, "the waiting caller is being killed");
        }
        return {};
    }

    void hand_over(object::ProcessObject& server) override { hand_over_store(server); }
};

KernelStoreGate g_gate;

class BootedHost final : public sys::AzothHost {
public:
    ipc::CallStack& current_calls() override
    {
        process::Process* running = process::Process::current();
        VERIFY(running); // only process threads run Wasm
        return running->ipc().calls();
    }

    void release_store(object::ProcessObject& root) override
    {
        if (root.has_store_waiters())
            hand_over_store(root);
        else
            root.set_in_call(false);
    }

    void reacquire_store(object::ProcessObject& root) override { take_own_store(root); }

    Result<Handle> regrant(object::ProcessObject& process, StringView name) override
    {
        ProcessIpc* ipc = find_ipc(process);
        if (!ipc)
            return Error::from(ErrorCode::NotFound, "process has no manifest");
        for (auto& line : ipc->manifest_handles()) {
            if (line.object_name == name)
                return kernel_ipc().directory.grant_one(line, process);
        }
        return Error::from(ErrorCode::NotFound, "the manifest names no handle of that name");
    }
};

BootedHost g_host;

ErrorOr publish(StringView name, Object& object, Handle& published)
{
    KernelIpc& state = kernel_ipc();
    HandleTable& table = state.kernel->handles();
    Handle handle = TRY(table.install(object, Rights::All));
    auto done = state.directory.publish(name, table, handle);
    if (done.is_error()) {
        (void)table.close(handle);
        return done.release_error();
    }
    published = handle;
    return {};
}

void copy_name(char* destination, usize& length, StringView name)
{
    length = min(name.length(), Manifest::max_name_length);
    for (usize i = 0; i < length; ++i)
        destination[i] = name[i];
}

// The object's name for a process: `exec` passes a module's path (any length) as its name, but
// object names are 1..31 characters, so the directory part and a ".wasm" suffix are dropped and
// the rest is cut to the limit.
StringView process_object_name(StringView name)
{
    usize start = 0;
    for (usize i = 0; i < name.length(); ++i) {
        if (name[i] == '/')
            start = i + 1;
    }
    StringView base = name.substring(start);
    if (base.ends_with(".wasm") && base.length() > 5)
        base = base.substring(0, base.length() - 5);
    if (base.is_empty())
        return "module";
    return base.substring(0, min(base.length(), object::ProcessObject::max_name_length));
}

} // namespace

Process* process_in_control()
{
    Process* running = Process::current();
    if (!running)
        return nullptr;
    object::ProcessObject* innermost = running->ipc().calls().current();
    if (innermost && innermost != running->ipc().object()) {
        if (ProcessIpc* server = find_ipc(*innermost); server && server->owner())
            return server->owner();
    }
    return running;
}

void interrupt_waits_in(object::ProcessObject& store)
{
    for (auto* ipc : kernel_ipc().processes) {
        if (!ipc || !ipc->owner() || !ipc->owner()->thread())
            continue;
        ipc::CallStack& calls = ipc->calls();
        for (u32 i = 1; i < calls.depth(); ++i) {
            if (calls.frame(i) == &store) {
                interrupt_wait(*ipc->owner()->thread());
                break;
            }
        }
    }
    if (ProcessIpc* owner = find_ipc(store)) {
        for (StoreWaiter* waiter = owner->store_queue().head; waiter; waiter = waiter->next) {
            if (waiter->thread && waiter->thread->owner() && waiter->thread->owner()->thread())
                interrupt_wait(*waiter->thread->owner()->thread());
        }
    }
}

CapabilitySpace& kernel_capability_space() { return kernel_ipc().space; }

ErrorOr ProcessIpc::prepare(const IpcSpec& spec, process::Process& owner)
{
    VERIFY(!m_object);
    KernelIpc& state = kernel_ipc();
    ProcessIpc** slot = nullptr;
    for (auto*& entry : state.processes) {
        if (!entry) {
            slot = &entry;
            break;
        }
    }
    if (!slot)
        return Error::from(ErrorCode::Exhausted, "too many processes with capabilities");
    if (spec.handles.size() > Manifest::max_handles)
        return Error::from(ErrorCode::InvalidArgument, "too many manifest handles");
    StringView object_name = process_object_name(spec.name);
    auto object = TRY(object::ProcessObject::create(sys::kernel_object_allocator(), state.space, object_name));
    m_calls.set_gate(&g_gate);

    // Every line is checked before anything is installed; unpublished names wait for handle_find.
    Handle granted[Manifest::max_handles] {};
    for (usize i = 0; i < spec.handles.size(); ++i) {
        auto handle = state.directory.grant_one(spec.handles[i], *object);
        if (handle.is_error() && handle.error().code != ErrorCode::NotFound) {
            object->terminate();
            return handle.release_error();
        }
        granted[i] = handle.is_error() ? invalid_handle : handle.value();
    }
    // A second instance of a module (a restart while the old one ends) is published when the
    // old one has withdrawn; until then its name stays with the old one.
    Handle published = invalid_handle;
    (void)publish(object_name, *object, published);

    m_owner = &owner;
    m_object = move(object);
    m_published_process = published;
    copy_name(m_name, m_name_length, object_name);
    copy_name(m_serves, m_serves_length, spec.serves);
    m_handles.clear();
    for (usize i = 0; i < spec.handles.size(); ++i) {
        VERIFY(!m_handles.try_append(spec.handles[i]).is_error());
        m_granted[i] = granted[i];
    }
    *slot = this;
    return {};
}

ErrorOr ProcessIpc::attach(wasm::Store& store)
{
    if (!m_object)
        return Error::from(ErrorCode::Invalid, "process has no capabilities");
    KernelIpc& state = kernel_ipc();
    m_environment = new (m_environment_storage) sys::AzothEnvironment {
        store, sys::kernel_object_allocator(), state.space, m_calls, &KernelWaitProvider::instance(), &sys::KernelPageMapper::instance(), &g_host
    };
    m_context = TRY(sys::AzothContext::create(*m_environment, m_object));
    for (usize i = 0; i < m_handles.size(); ++i)
        TRY(m_context->name_handle(m_handles[i].object_name, m_granted[i]));
    return {};
}

ErrorOr ProcessIpc::instantiated(wasm::Instance& instance)
{
    if (!m_context)
        return {};
    TRY(m_context->attach_instance(instance));
    if (m_serves_length == 0)
        return {};
    if (!m_context->can_serve())
        return Error::from(ErrorCode::Unlinkable, "the manifest says `serves` but the module exports no azoth_handle");
    auto endpoint = TRY(m_context->create_endpoint());
    return publish(serves(), *endpoint, m_published_endpoint);
}

ErrorOr ProcessIpc::run(wasm::Function& start)
{
    if (!m_context)
        return Error::from(ErrorCode::Invalid, "no azoth context");
    // A caller may have entered the Store since the endpoint was published: wait for our turn.
    take_own_store(*m_object);
    return m_context->run(start, {}, {});
}

void ProcessIpc::reset()
{
    if (!m_object)
        return;
    m_object->release_handles();
    KernelIpc& state = kernel_ipc();
    for (usize i = 0; i < m_handles.size(); ++i) {
        // As at spawn: a name not published now is granted by handle_find later.
        auto handle = state.directory.grant_one(m_handles[i], *m_object);
        m_granted[i] = handle.is_error() ? invalid_handle : handle.value();
        if (m_context)
            (void)m_context->name_handle(m_handles[i].object_name, m_granted[i]);
    }
    m_object->accept_calls();
    if (m_object->is_in_call())
        hand_over_store(*m_object);
}

void ProcessIpc::withdraw()
{
    KernelIpc& state = kernel_ipc();
    HandleTable& table = state.kernel->handles();
    if (m_published_endpoint != invalid_handle) {
        (void)state.directory.unpublish(ObjectType::Endpoint, serves());
        (void)table.close(m_published_endpoint);
        m_published_endpoint = invalid_handle;
    }
    if (m_published_process != invalid_handle) {
        (void)state.directory.unpublish(ObjectType::Process, StringView(m_name, m_name_length));
        (void)table.close(m_published_process);
        m_published_process = invalid_handle;
    }
}

void ProcessIpc::end()
{
    if (!m_object)
        return;
    // Terminated first: from here calls to it answer E_NOT_FOUND and its mappings are undone
    // while its linear memory still exists.
    m_object->terminate();
    // Callers queued for the Store (or handed it, not running yet) get E_NOT_FOUND.
    for (StoreWaiter* waiter = m_queue.head; waiter;) {
        StoreWaiter* next = waiter->next;
        waiter->next = nullptr;
        set_state(*waiter, StoreWaiter::gone);
        waiter = next;
    }
    if (m_queue.handed)
        set_state(*m_queue.handed, StoreWaiter::gone);
    m_queue = {};
    withdraw();
    if (m_context) {
        sys::AzothContext::destroy(m_context);
        m_context = nullptr;
    }
    if (m_environment) {
        m_environment->~AzothEnvironment();
        m_environment = nullptr;
    }
    for (auto*& entry : kernel_ipc().processes) {
        if (entry == this)
            entry = nullptr;
    }
    m_object = nullptr;
}

} // namespace ath::process
