#include <kernel/lib/Placement.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/process/KernelWait.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessIpc.h>
#include <kernel/sys/KernelDevices.h>
#include <kernel/sys/KernelLinearMemory.h>

namespace ath::process {

using namespace object;

namespace {

class KernelObjectAllocator final : public ObjectAllocator {
public:
    void* allocate(usize size, usize alignment) override
    {
        auto memory = kmalloc(size, max(alignment, mm::HeapAllocator::minimum_alignment));
        return memory.is_error() ? nullptr : memory.value();
    }
    void deallocate(void* pointer, usize, usize) override { kfree(pointer); }
};

constexpr usize max_processes = 64;

// Kernel code runs without preemption between safepoints on one CPU (Threads.h): the directory
// and the registry below change only in kernel code, never across a block, so they need no lock.
struct KernelIpc {
    KernelObjectAllocator allocator;
    CapabilitySpace space;
    RefPtr<object::Process> kernel; // the kernel's own table: what it publishes
    ObjectDirectory directory;
    ProcessIpc* processes[max_processes] {};
};

alignas(KernelIpc) u8 g_storage[sizeof(KernelIpc)];
KernelIpc* g_ipc = nullptr;

KernelIpc& kernel_ipc()
{
    if (!g_ipc) {
        g_ipc = new (g_storage) KernelIpc();
        auto kernel = object::Process::create(g_ipc->allocator, g_ipc->space, "kernel");
        VERIFY(!kernel.is_error()); // at boot, with an empty heap behind it
        g_ipc->kernel = kernel.release_value();
        // The console UART's registers and interrupt line, for a driver's manifest (kernel/sys/KernelDevices.h).
        (void)sys::publish_console_uart(g_ipc->allocator, g_ipc->kernel->handles(), g_ipc->directory);
    }
    return *g_ipc;
}

ProcessIpc* find_ipc(object::Process& process)
{
    for (auto* ipc : kernel_ipc().processes) {
        if (ipc && ipc->object() == &process)
            return ipc;
    }
    return nullptr;
}

class BootedHost final : public sys::AzothHost {
public:
    ipc::CallStack& current_calls() override
    {
        process::Process* running = process::Process::current();
        VERIFY(running); // only process threads run Wasm
        return running->ipc().calls();
    }

    void release_store(object::Process& root) override { root.set_in_call(false); }

    void reacquire_store(object::Process& root) override
    {
        KernelWaitProvider::instance().wait_uninterruptible(root.in_call_word(), 1);
        root.set_in_call(true);
    }

    Result<Handle> regrant(object::Process& process, StringView name) override
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
    return base.substring(0, min(base.length(), object::Process::max_name_length));
}

} // namespace

ObjectAllocator& kernel_object_allocator() { return kernel_ipc().allocator; }
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
    auto object = TRY(object::Process::create(state.allocator, state.space, object_name));
    m_calls.set_waker(&KernelWaitProvider::instance());

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
        store, state.allocator, state.space, m_calls, &KernelWaitProvider::instance(), &sys::KernelPageMapper::instance(), &g_host
    };
    m_context = TRY(sys::AzothContext::create(*m_environment, m_object));
    for (usize i = 0; i < m_handles.size(); ++i)
        TRY(m_context->name_handle(m_handles[i].object_name, m_granted[i]));
    return {};
}

Result<wasm::Function*> ProcessIpc::resolve_import(StringView field, const wasm::FunctionType& expected)
{
    if (!m_context)
        return Error::from(ErrorCode::Unlinkable, "no azoth context");
    return m_context->resolve_import(field, expected);
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
    return m_context->run(start, {}, {});
}

void ProcessIpc::withdraw()
{
    KernelIpc& state = kernel_ipc();
    HandleTable& table = state.kernel->handles();
    if (m_published_endpoint != invalid_handle) {
        (void)state.directory.unpublish(serves());
        (void)table.close(m_published_endpoint);
        m_published_endpoint = invalid_handle;
    }
    if (m_published_process != invalid_handle) {
        (void)state.directory.unpublish(StringView(m_name, m_name_length));
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
