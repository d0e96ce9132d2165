#include <kernel/arch/Arch.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/object/Console.h>
#include <kernel/platform/kernel/KernelWait.h>
#include <kernel/process/ExecutionTier.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessImports.h>
#include <kernel/sys/Azoth.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/platform/kernel/KernelDevices.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>
#include <kernel/platform/kernel/KernelServices.h>
#include <kernel/sys/Wasi.h>
#include <kernel/sys/ImportSources.h>
#include <kernel/sys/abi/AzothAbi.h>

namespace ath::process {

// A trapped child's exit code is its wasm::TrapKind, which the ABI lists as AZOTH_TRAP_* (azoth.def):
// the rows must number the kinds 0, 1, 2, ... in order and end with HostTrap.
namespace {
constexpr u32 abi_trap_values[] = {
#define AZOTH_TRAP(name, value, text) value,
#include <kernel/sys/abi/azoth.def>
};
constexpr bool abi_traps_are_trap_kinds()
{
    for (u32 i = 0; i < array_size(abi_trap_values); ++i) {
        if (abi_trap_values[i] != i)
            return false;
    }
    return array_size(abi_trap_values) == static_cast<u32>(wasm::TrapKind::HostTrap) + 1
        && sys::abi::TRAP_READ_ONLY_WRITE == static_cast<u32>(wasm::TrapKind::ReadOnlyWrite)
        && sys::abi::TRAP_CALL_STACK_EXHAUSTED == static_cast<u32>(wasm::TrapKind::CallStackExhausted);
}
static_assert(abi_traps_are_trap_kinds(), "azoth.def's AZOTH_TRAP rows must equal wasm::TrapKind");
} // namespace

namespace {

// Per-process engine limits: deep enough for ordinary C/C++ programs, small enough that dozens of
// processes fit in the kernel heap (the value stack is 8 bytes a slot).
constexpr u32 process_call_depth = 8192;
constexpr u32 process_value_stack_slots = 1u << 18;

// `owner` is the process whose Store this is. The running thread may be another process's: a
// migrating call runs the owner's handler on the caller's thread. It stops when that thread is
// killed or over its CPU limit (safepoint()), and when the Store's owner is being killed.
// The `azoth` entries only booted processes serve (module, process, console; ProcessImports.cpp).
Result<wasm::Extern> link_process_imports(void* process, wasm::Store& store, const wasm::ImportDescription& import)
{
    TRY(sys::expect_function_import(import));
    return wasm::Extern::from(TRY(resolve_process_import(store, *static_cast<Process*>(process), import.field_name, import.type.function)));
}

wasm::SafepointAction on_safepoint(void* owner)
{
    if (!safepoint() || static_cast<Process*>(owner)->kill_requested())
        return wasm::SafepointAction::Abort;
    return wasm::SafepointAction::Continue;
}

// Resource accounts (kernel/object/ResourceAccount.h): the defaults are shares of the memory that
// was free when the first process started; kernel objects made now are charged to the running
// process.
u64 g_usable_bytes = 0;
// Every spawned process until destroy() (Process::nth, find) and the last pid given out.
IntrusiveList<Process, &Process::all_link> g_all_processes;
u32 g_last_pid = 0;
object::ResourceLimits default_resource_limits()
{
    if (g_usable_bytes == 0)
        g_usable_bytes = mm::physical_frames().free_count() * page_size;
    return object::ResourceLimits::defaults(g_usable_bytes);
}
void free_account(object::ResourceAccount* account) { delete account; }
// Objects a server's handler creates on a client's thread are the server's: the account of the
// Store in control (ProcessIpc.h), not of the thread's process.
object::ResourceAccount* running_process_account()
{
    Process* process = process_in_control();
    return process ? &process->account() : nullptr;
}

} // namespace

StringView exit_kind_name(ExitKind kind)
{
    switch (kind) {
    case ExitKind::Running: return "running";
    case ExitKind::Exited: return "exited";
    case ExitKind::Trapped: return "trapped";
    case ExitKind::Killed: return "killed";
    case ExitKind::Failed: return "failed";
    }
    return "?";
}

StringView ExitStatus::reason_view() const
{
    usize length = 0;
    while (length < sizeof(reason) && reason[length])
        ++length;
    return StringView(reason, length);
}

ProcessSpec ProcessSpec::from(const ModuleEntry& entry, u32 module_index, Process* parent)
{
    const object::Manifest& manifest = entry.manifest;
    ProcessSpec spec;
    spec.name = entry.name_view();
    spec.module_bytes = entry.module_bytes;
    spec.argument_line = entry.argument_line();
    spec.cpu_limit_ns = manifest.cpu_limit_ns;
    spec.priority = manifest.priority;
    spec.parent = parent;
    spec.may_supervise = manifest.supervisor;
    spec.may_use_serial_port = manifest.serial_port;
    spec.may_use_pci = manifest.pci;
    spec.may_add_entropy = manifest.entropy_source;
    spec.may_use_console = manifest.console;
    spec.may_administer = manifest.process_admin;
    spec.tier = manifest.tier;
    spec.clock_granularity_ns = manifest.precise_time ? 1 : coarse_clock_ns;
    spec.module_index = module_index;
    spec.manifest = &entry;
    return spec;
}

ErrorOr Process::copy_strings(const ProcessSpec& spec)
{
    // argv from the spec's list, or split at spaces from its argument line.
    FixedVector<StringView, max_arguments> split;
    Span<const StringView> arguments = spec.arguments;
    if (arguments.is_empty() && !spec.argument_line.is_empty()) {
        bool too_many = false;
        for_each_split(spec.argument_line, ' ', [&](StringView word) { too_many |= split.try_append(word).is_error(); });
        if (too_many)
            return Error::from(ErrorCode::InvalidArgument, "more than 32 arguments");
        arguments = split.span();
    }
    usize bytes = 0;
    for (auto& argument : arguments)
        bytes += argument.length();
    for (auto& variable : spec.environment)
        bytes += variable.length();
    usize views = arguments.size() + spec.environment.size();
    m_string_storage = static_cast<char*>(TRY(kmalloc(bytes + views * sizeof(StringView) + 1)));
    auto* view_storage = reinterpret_cast<StringView*>(m_string_storage);
    char* cursor = m_string_storage + views * sizeof(StringView);
    auto copy = [&](StringView text) {
        for (usize i = 0; i < text.length(); ++i)
            cursor[i] = text[i];
        StringView copied(cursor, text.length());
        cursor += text.length();
        return copied;
    };
    m_arguments = view_storage;
    m_argument_count = arguments.size();
    for (usize i = 0; i < arguments.size(); ++i)
        new (&view_storage[i]) StringView(copy(arguments[i]));
    m_environment = view_storage + m_argument_count;
    m_environment_count = spec.environment.size();
    for (usize i = 0; i < spec.environment.size(); ++i)
        new (&m_environment[i]) StringView(copy(spec.environment[i]));
    return {};
}

Result<Process*> Process::spawn(const ProcessSpec& spec)
{
    u64 spawned_at = Arch::clock_nanoseconds();
    auto module = TRY(wasm::Module::create(sys::KernelAllocator::instance(), spec.module_bytes));
    auto* process = new (std::nothrow) Process;
    if (!process)
        return Error::from(ErrorCode::OutOfMemory, "no memory for a process");
    process->m_spawned_at_ns = spawned_at;
    process->m_name_length = min(spec.name.length(), sizeof(process->m_name));
    for (usize i = 0; i < process->m_name_length; ++i)
        process->m_name[i] = spec.name[i];
    process->m_clock_granularity_ns = spec.clock_granularity_ns;
    process->m_may_supervise = spec.may_supervise;
    process->m_may_use_serial_port = spec.may_use_serial_port;
    process->m_may_use_pci = spec.may_use_pci;
    process->m_may_add_entropy = spec.may_add_entropy;
    process->m_may_use_console = spec.may_use_console;
    process->m_may_administer = spec.may_administer;
    process->m_tier = spec.tier;
    process->m_module_index = spec.module_index;
    process->m_module = new (std::nothrow) wasm::Module(move(module));
    if (!process->m_module) {
        delete process;
        return Error::from(ErrorCode::OutOfMemory, "no memory for a process");
    }
    if (auto copied = process->copy_strings(spec); copied.is_error()) {
        process->destroy_unstarted();
        return copied.release_error();
    }
    if (spec.may_use_console) {
        if (auto opened = process->open_console_streams(); opened.is_error()) {
            process->destroy_unstarted();
            return opened.release_error();
        }
    }
    if (spec.parent) {
        auto adopted = spec.parent->adopt(*process);
        if (adopted.is_error()) {
            process->destroy_unstarted();
            return adopted.release_error();
        }
        process->m_parent = spec.parent;
    }
    // Capabilities: a module of the initrd's table gets what its manifest names (ProcessIpc.h).
    IpcSpec ipc_spec { process->name(), {}, {} };
    auto& modules = global_modules();
    const ModuleEntry* manifest = spec.manifest;
    if (!manifest && spec.module_index < modules.size() && modules.at(spec.module_index).name_view() == spec.name)
        manifest = &modules.at(spec.module_index);
    if (manifest) {
        ipc_spec.handles = manifest->manifest.handles.span();
        ipc_spec.serves = manifest->manifest.serves;
    }
    object::ResourceLimits limits = default_resource_limits();
    if (manifest)
        limits = manifest->effective_limits(limits);
    object::set_resource_account_source(&running_process_account);
    process->m_account = new (std::nothrow) object::ResourceAccount(limits, &free_account);
    if (!process->m_account) {
        if (spec.parent)
            spec.parent->forget_child(*process);
        process->destroy_unstarted();
        return Error::from(ErrorCode::OutOfMemory, "no memory for a process");
    }
    if (auto prepared = process->m_ipc.prepare(ipc_spec, *process); prepared.is_error()) {
        if (spec.parent)
            spec.parent->forget_child(*process);
        process->destroy_unstarted();
        return prepared.release_error();
    }
    if (process->m_ipc.object())
        process->m_ipc.object()->handles().set_limit(limits[object::Resource::Handles]);
    auto thread = spawn_thread(process->name(), spec.priority, thread_entry, process);
    if (thread.is_error()) {
        if (spec.parent)
            spec.parent->forget_child(*process);
        process->destroy_unstarted();
        return thread.release_error();
    }
    process->m_thread = thread.value();
    process->m_thread->cpu_limit_ns = spec.cpu_limit_ns;
    process->m_pid = ++g_last_pid;
    g_all_processes.append(*process);
    return process;
}

Process* Process::nth(usize index)
{
    for (auto& process : g_all_processes) {
        if (index-- == 0)
            return &process;
    }
    return nullptr;
}

Process* Process::find(u32 pid)
{
    for (auto& process : g_all_processes) {
        if (process.m_pid == pid)
            return &process;
    }
    return nullptr;
}

u32 Process::child_count() const
{
    u32 count = 0;
    for (auto* child : m_children)
        count += child ? 1 : 0;
    return count;
}

ErrorOr Process::open_console_streams()
{
    object::Console* console = object::Console::system();
    if (!console)
        return {}; // no console: the fds do not exist
    constexpr object::StreamKind kinds[3] = { object::StreamKind::Input, object::StreamKind::Output, object::StreamKind::Error };
    for (u32 fd = 0; fd < 3; ++fd)
        m_stdio[fd] = TRY(object::make_object<object::Stream>(sys::kernel_object_allocator(), object::RefPtr<object::Console>(console), kinds[fd]));
    return {};
}

void Process::thread_entry(void* self) { static_cast<Process*>(self)->run(); }

Process* Process::current()
{
    KernelThread* thread = current_thread();
    if (!thread || thread->entry != &Process::thread_entry)
        return nullptr;
    return static_cast<Process*>(thread->argument);
}

void Process::run()
{
    {
        wasm::StoreConfig config;
        config.memory_provider = &sys::KernelLinearMemory::instance();
        config.max_call_depth = process_call_depth;
        config.value_stack_slots = process_value_stack_slots;
        configure_execution_tier(config, m_tier);
        // Everything the Store takes is charged to this process (declared first: they outlive it).
        sys::AccountedAllocator allocator(*m_account);
        sys::AccountLimiter limiter(*m_account);
        config.limiter = &limiter;
        wasm::Store store(allocator, config);
        store.set_interrupt_flag(preempt_flag());
        store.set_safepoint_hook(on_safepoint, this);

        sys::WasiConfig wasi_config;
        wasi_config.arguments = Span<const StringView>(m_arguments, m_argument_count);
        wasi_config.environment = Span<const StringView>(m_environment, m_environment_count);
        wasi_config.clock_granularity_ns = m_clock_granularity_ns;
        for (u32 fd = 0; fd < 3; ++fd)
            wasi_config.stdio[fd] = m_stdio[fd].get();
        sys::WasiContext wasi(sys::KernelServices::instance(), wasi_config);

        FailurePhase phase = FailurePhase::Link;
        wasm::Linker::Failure link_failure;
        auto outcome = [&]() -> ErrorOr {
            TRY(m_ipc.attach(store));
            // The imports a booted process may use: WASI, and `azoth` (the process entries first,
            // then the IPC ones of its AzothContext).
            wasm::Linker linker;
            TRY(linker.add(sys::wasi_module_name, &sys::link_wasi, &wasi));
            TRY(linker.add(sys::azoth_module_name, &link_process_imports, this));
            TRY(linker.add(sys::azoth_module_name, &sys::link_azoth, m_ipc.context()));
            auto instance = linker.instantiate(store, *m_module, &link_failure);
            if (!link_failure.at_import)
                phase = FailurePhase::Instantiate;
            auto* instantiated = TRY(move(instance));
            if (const char* reason = instantiated->interpreter_reason())
                println("athanor: {}: interpreter: {}", name(), reason);
            TRY(m_ipc.instantiated(*instantiated));
            auto start = instantiated->find_export("_start");
            if (!start.has_value() || !start->as_function() || !start->as_function()->type().parameters.is_empty()
                || !start->as_function()->type().results.is_empty()) {
                phase = FailurePhase::NoStart;
                return Error::from(ErrorCode::Unlinkable, "the module exports no _start function (not a WASI command)");
            }
            // The reset point: instantiated, start function run, _start not yet. Without a
            // snapshot (no memory for it, or a region mapped by the start function: its pages
            // are not the module's own) the process runs on, and reset answers Unsupported.
            if (!m_ipc.object() || m_ipc.object()->mapping_count() == 0) {
                auto snapshot = wasm::InstanceSnapshot::capture(store, *instantiated);
                if (!snapshot.is_error())
                    m_snapshot = snapshot.value();
            }
            m_start_latency_ns = Arch::clock_nanoseconds() - m_spawned_at_ns;
            for (;;) {
                auto ran = m_ipc.run(*start->as_function());
                // _start ended (unwound by reset(): the kill path's Interrupted trap, or it returned,
                // exited or trapped just then): back to the snapshot and run it again.
                if (!reset_wanted())
                    return ran;
                m_reset_requested = false;
                m_thread->kill_requested = false;
                // Its console claims go as at exit (it claims them again in _start if it wants).
                if (object::Console* console = object::Console::system()) {
                    console->detach(this);
                    console->release_echo(this);
                }
                end_children();
                m_ipc.reset();
                TRY(m_snapshot->restore());
                // A fresh WASI context at the same address (the linked imports point at it): the
                // standard streams open again, no exit code, no files.
                wasi.~WasiContext();
                new (&wasi) sys::WasiContext(sys::KernelServices::instance(), wasi_config);
                ++m_reset_count;
            }
        }();
        if (m_snapshot) {
            wasm::InstanceSnapshot::destroy(m_snapshot);
            m_snapshot = nullptr;
        }
        // Handles closed, mappings undone, publications withdrawn while the Store still exists.
        m_ipc.end();

        if (!outcome.is_error()) {
            finish(ExitKind::Exited, 0, {});
        } else {
            const Error& error = outcome.error();
            if (sys::WasiContext::is_exit(error))
                finish(ExitKind::Exited, wasi.exit_code().value_or(0), {});
            else if (error.code == ErrorCode::Trap && wasm::trap_kind(error) == wasm::TrapKind::Interrupted)
                finish(ExitKind::Killed, 0, m_thread->kill_requested ? "killed" : "watchdog: CPU time limit exceeded");
            else if (error.code == ErrorCode::Trap)
                finish(ExitKind::Trapped, static_cast<u32>(wasm::trap_kind(error)), error.reason); // wait's exit_code: AZOTH_TRAP_*
            else if (phase == FailurePhase::Link && link_failure.at_import) {
                char reason[sizeof(m_status.reason)];
                finish(ExitKind::Failed, 0,
                    format_to(Span<char>(reason, sizeof(reason)), "{} {}.{}", error.reason, link_failure.import.module_name,
                        link_failure.import.field_name),
                    phase, error.code);
            } else
                finish(ExitKind::Failed, 0, error.reason, phase, error.code);
        }
        // The Store (and with it every linear-memory frame) goes here, on the process's thread.
    }
    // A supervisor learns only that a child failed (azoth.wait): the reason goes to the log. (The
    // kernel's own roots, an exec program, report their failure themselves.)
    if (m_status.kind == ExitKind::Failed && m_parent)
        println("athanor: {}: failed to start: {}", name(), m_status.reason_view());
    for (usize i = 0; i < object::resource_kind_count; ++i) {
        auto kind = static_cast<object::Resource>(i);
        if (m_account->refusals(kind))
            println("athanor: {}: resource limit reached: {} (limit {}, refused {} times)", name(),
                object::resource_info(kind).name, m_account->limit(kind), m_account->refusals(kind));
    }
    // A driver that ends gives the console back; a supervisor takes its children with it.
    if (object::Console* console = object::Console::system()) {
        console->detach(this);
        console->release_echo(this);
    }
    end_children();
    delete m_module;
    m_module = nullptr;
    wake_all(m_exit_waiters);
    // Last use of `this` on this thread: the parent may free us as soon as it runs.
    if (m_parent)
        m_parent->child_exited(*this);
}

Result<u32> Process::adopt(Process& child)
{
    for (u32 i = 0; i < max_children; ++i) {
        if (!m_children[i]) {
            m_children[i] = &child;
            return i + 1;
        }
    }
    return Error::from(ErrorCode::Exhausted, "too many child processes");
}

void Process::forget_child(Process& child)
{
    for (auto& slot : m_children) {
        if (slot == &child)
            slot = nullptr;
    }
}

Process* Process::child(u32 number) const
{
    if (number == 0 || number > max_children)
        return nullptr;
    return m_children[number - 1];
}

void Process::child_exited(Process& child)
{
    for (u32 i = 0; i < max_children; ++i) {
        if (m_children[i] != &child)
            continue;
        // Never fails: one slot per child.
        VERIFY(!m_child_exits.try_append({ i + 1, child.m_module_index, child.m_status.kind, child.m_status.code }).is_error());
        wake_all(m_child_waiters);
        return;
    }
}

Result<ChildExit> Process::wait_child(Optional<u64> deadline_ns)
{
    while (m_child_exits.is_empty()) {
        if (deadline_ns.has_value() && Arch::clock_nanoseconds() >= *deadline_ns)
            return Error::from(ErrorCode::TimedOut, "no child ended in time");
        if (wait_until(&m_child_waiters, deadline_ns) == WaitEnd::Stopped)
            return Error::from(ErrorCode::Busy, "the waiting process is being killed");
    }
    ChildExit exit = m_child_exits[0];
    m_child_exits.remove(0);
    Process* child = m_children[exit.child - 1];
    m_children[exit.child - 1] = nullptr;
    child->wait(); // already ended; makes sure its Store is gone
    child->destroy();
    return exit;
}

void Process::end_children()
{
    for (auto*& child : m_children) {
        if (!child)
            continue;
        child->m_parent = nullptr; // no exit event for a parent that is leaving
        child->kill();
        child->wait();
        child->destroy();
        child = nullptr;
    }
    m_child_exits.clear();
}

void Process::finish(ExitKind kind, u32 code, StringView reason, FailurePhase phase, ErrorCode error_code)
{
    m_status.code = code;
    m_status.phase = phase;
    m_status.error_code = error_code;
    usize length = min(reason.length(), sizeof(m_status.reason) - 1);
    for (usize i = 0; i < length; ++i)
        m_status.reason[i] = reason[i];
    m_status.reason[length] = '\0';
    // Last: has_exited() readers see a complete status.
    m_status.kind = kind;
}

ErrorOr Process::reset()
{
    if (has_exited() || !m_thread)
        return Error::from(ErrorCode::NotFound, "the process has ended");
    if (!m_snapshot)
        return Error::from(ErrorCode::Unsupported, "the process has no snapshot to reset to (not started yet, or a region was mapped before _start)");
    m_reset_requested = true;
    // Stopped the way kill() stops it (the same stop rule), without m_killed: its thread resets
    // instead of ending, and takes calls again afterwards.
    if (m_ipc.object()) {
        m_ipc.object()->refuse_calls();
        interrupt_waits_in(*m_ipc.object());
    }
    request_kill(*m_thread);
    // Not waited for here: the caller goes on while the module unwinds and resets (calls to it
    // answer E_NOT_FOUND meanwhile). A synchronous wait in the caller's host call left 4 MiB of
    // kernel heap held after boot.x86_64.soak, whose supervisor-holding attacker resets its
    // children at random; the cause was not found (docs/privacy.md, Limits).
    return {};
}

void Process::kill()
{
    m_killed = true;
    // No new calls into a process that is being killed (a call already in its Store stops at
    // its next safepoint: on_safepoint checks kill_requested of the Store's owner).
    if (m_ipc.object()) {
        m_ipc.object()->refuse_calls();
        // Whatever a handler of this process is blocked in on a caller's thread (sleep, console
        // input, event, Store queue, child wait) wakes and stops waiting (the stop rule, Threads.h),
        // and callers queued for its Store leave with E_NOT_FOUND.
        interrupt_waits_in(*m_ipc.object());
    }
    if (!has_exited() && m_thread)
        request_kill(*m_thread);
}

void Process::wait()
{
    while (!has_exited() || m_module)
        (void)wait_until(&m_exit_waiters, {}, Interruptible::No);
}

void Process::destroy_unstarted()
{
    if (m_account)
        m_account->unref();
    delete m_module;
    if (m_string_storage)
        kfree(m_string_storage);
    delete this;
}

void Process::destroy()
{
    VERIFY(has_exited());
    VERIFY(!m_module);
    if (all_link.is_linked())
        g_all_processes.remove(*this);
    if (m_string_storage)
        kfree(m_string_storage);
    m_account->unref();
    delete this;
}

} // namespace ath::process
