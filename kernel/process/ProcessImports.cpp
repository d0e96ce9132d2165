#include <abi-gen/AzothImports.h>
#include <kernel/arch/Arch.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/object/Console.h>
#include <kernel/object/HandleTable.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessImports.h>
#include <kernel/process/ProcessIpc.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

// The handlers of the Booted rows of kernel/sys/abi/azoth.def (declared, dispatched and
// capability-checked by the generated <abi-gen/AzothImports.h>). Errors become statuses through
// the table's one translation, as for every azoth row: a pointer out of bounds or over a read-only
// mapping is E_FAULT, a misaligned one E_INVALID_ARGUMENT (docs/abi.md).
namespace ath::process {

using namespace sys::abi;

static_assert(RESTART_NEVER == static_cast<u32>(RestartPolicy::Never) && RESTART_ON_FAILURE == static_cast<u32>(RestartPolicy::OnFailure)
    && RESTART_ALWAYS == static_cast<u32>(RestartPolicy::Always));
static_assert(EXIT_EXITED == static_cast<u32>(ExitKind::Exited) && EXIT_TRAPPED == static_cast<u32>(ExitKind::Trapped)
    && EXIT_KILLED == static_cast<u32>(ExitKind::Killed) && EXIT_FAILED == static_cast<u32>(ExitKind::Failed));
static_assert(UART_NONE == static_cast<u32>(ConsoleUartKind::None) && UART_NS16550 == static_cast<u32>(ConsoleUartKind::Ns16550)
    && UART_PL011 == static_cast<u32>(ConsoleUartKind::Pl011));

namespace {

// A deadline from a timeout in ns (~0: none).
Optional<u64> deadline_after(u64 timeout)
{
    if (timeout == ~0ull)
        return {};
    u64 now = Arch::clock_nanoseconds();
    return timeout > ~0ull - now ? ~0ull - 1 : now + timeout;
}

// The console object's driver is the attached process (one at a time; kernel/object/Console.h).
bool console_attached_to(const Process& process)
{
    object::Console* console = object::Console::system();
    return console && console->attached_to(&process);
}

} // namespace

} // namespace ath::process

namespace ath::sys::abi::azoth {

using process::console_attached_to;
using process::deadline_after;
using process::global_modules;
using process::ModuleEntry;
using process::Process;
using process::ProcessSpec;

bool holds(const Process& process, Capability capability)
{
    switch (capability) {
    case Capability::None: return true;
    case Capability::Supervisor: return process.may_supervise();
    case Capability::SerialPort: return process.may_use_serial_port();
    case Capability::Console: return process.may_use_console();
    case Capability::Pci: return process.may_use_pci();
    case Capability::EntropySource: return process.may_add_entropy();
    case Capability::ProcessAdmin: return process.may_administer();
    }
    return false;
}

Result<Status> module_count(Process&, Out<u32> count_out)
{
    TRY(count_out.write(static_cast<u32>(global_modules().size())));
    return OK;
}

Result<Status> module_info(Process& process, u32 index, BytesOut name, Out<module_info_t> info)
{
    auto& modules = global_modules();
    if (index >= modules.size())
        return E_NOT_FOUND;
    const ModuleEntry& entry = modules.at(index);
    // Validate both destinations before writing either.
    u32 name_length = static_cast<u32>(entry.name_length);
    u32 name_copied = min(name.capacity(), name_length);
    TRY(name.prefix(name_copied));
    TRY(info.check());
    module_info_t facts { name_length, static_cast<u32>(entry.manifest.restart), entry.manifest.max_restarts,
        entry.name_view() == process.name() ? 1u : 0u };
    TRY(name.write(ReadonlyBytes(reinterpret_cast<const u8*>(entry.name), name_copied)));
    TRY(info.write(facts));
    return OK;
}

namespace {

// Starts `spec` as a child of `process` and writes its number (spawn, spawn_args).
Result<Status> spawn_child(Process& process, const ProcessSpec& spec, Out<u32> child_out)
{
    auto spawned = Process::spawn(spec);
    // A module that does not validate is malformed for the caller (the table's translation would
    // say E_INVALID_STATE, which is about the state of an object).
    if (spawned.is_error() && spawned.error().code == ErrorCode::Invalid)
        return E_MALFORMED;
    Process* child = TRY(move(spawned));
    u32 number = 0;
    for (u32 n = 1; n <= Process::max_children; ++n) {
        if (process.child(n) == child)
            number = n;
    }
    // Checked above, but the child has already run (Process::spawn may switch threads), and a
    // handler of the parent may have mapped a region over the destination meanwhile: a write that
    // fails now is the caller's E_FAULT, the child stays (the supervisor learns its number from
    // `wait`, and it is killed with the parent).
    TRY(child_out.write(number));
    return OK;
}

} // namespace

// child_out is checked (bounds, alignment, not a read-only mapping) by the trampoline before the
// child exists: a bad pointer starts nothing.
Result<Status> spawn(Process& process, u32 index, Out<u32> child_out)
{
    auto& modules = global_modules();
    if (index >= modules.size())
        return E_NOT_FOUND;
    return spawn_child(process, ProcessSpec::from(modules.at(index), index, &process), child_out);
}

Result<Status> spawn_args(Process& process, u32 index, BytesIn arguments, Out<u32> child_out)
{
    auto& modules = global_modules();
    if (index >= modules.size())
        return E_NOT_FOUND;
    const ModuleEntry& entry = modules.at(index);
    constexpr usize max_argument_bytes = 1024;
    if (arguments.length() > max_argument_bytes)
        return E_INVALID_ARGUMENT;
    // argv[0] is the module's name, then the caller's words; copied in before anything runs
    // (Process::spawn copies the argv it is given, so this buffer may end with the call).
    char line[sizeof(entry.name) + 1 + max_argument_bytes];
    usize length = 0;
    for (usize i = 0; i < entry.name_length; ++i)
        line[length++] = entry.name[i];
    line[length++] = ' ';
    TRY(arguments.copy_in(Bytes(reinterpret_cast<u8*>(line + length), arguments.length())));
    length += arguments.length();
    for (usize i = entry.name_length + 1; i < length; ++i) {
        if (line[i] == '\0')
            return E_INVALID_ARGUMENT;
    }
    ProcessSpec spec = ProcessSpec::from(entry, index, &process);
    spec.argument_line = StringView(line, length);
    return spawn_child(process, spec, child_out);
}

// event is checked by the trampoline before the wait.
Result<Status> wait(Process& process, u64 timeout_ns, Out<child_exit_t> event)
{
    auto exit = process.wait_child(deadline_after(timeout_ns));
    if (exit.is_error())
        return exit.error().code == ErrorCode::TimedOut ? E_TIMED_OUT : E_INVALID_ARGUMENT;
    // The child's thread ran meanwhile and memory may have grown, never shrunk: still in bounds.
    child_exit_t ended { exit.value().child, exit.value().module_index, static_cast<u32>(exit.value().kind), exit.value().code };
    TRY(event.write(ended));
    return OK;
}

Result<Status> kill(Process& process, u32 child)
{
    Process* found = process.child(child);
    if (!found)
        return E_NOT_FOUND;
    found->kill();
    return OK;
}

namespace {

// Resets `target` (reset, process_reset): the kernel's error as the row's status.
Status reset_process(Process& target)
{
    if (auto done = target.reset(); done.is_error()) {
        switch (done.error().code) {
        case ErrorCode::Unsupported: return E_UNSUPPORTED;
        case ErrorCode::Busy: return E_BUSY;
        default: return E_NOT_FOUND;
        }
    }
    return OK;
}

// A process another may kill or reset by pid: not a root the kernel started (init: the system
// ends with it; an exec program), not the caller (a reset would wait for its own thread).
Result<Process*> administered(Process& caller, u32 pid)
{
    Process* target = Process::find(pid);
    if (!target)
        return Error::from(ErrorCode::NotFound, "no process has that pid");
    if (!target->parent() || target == &caller)
        return Error::from(ErrorCode::PermissionDenied, "a root process or the caller itself");
    return target;
}

} // namespace

Result<Status> reset(Process& process, u32 child)
{
    Process* found = process.child(child);
    if (!found)
        return E_NOT_FOUND;
    return reset_process(*found);
}

Result<Status> process_list(Process&, u32 index, BytesOut name, Out<process_info_t> info)
{
    Process* listed = Process::nth(index);
    if (!listed)
        return E_NOT_FOUND;
    u32 state = PROCESS_EXITED;
    u64 cpu_time_ns = 0;
    if (!listed->has_exited() && listed->thread()) {
        const sched::Thread& thread = listed->thread()->scheduling;
        cpu_time_ns = thread.cpu_time_ns;
        switch (thread.state) {
        case sched::ThreadState::Running: state = PROCESS_RUNNING; break;
        case sched::ThreadState::Blocked: state = PROCESS_BLOCKED; break;
        case sched::ThreadState::Sleeping: state = PROCESS_SLEEPING; break;
        default: state = PROCESS_READY; break;
        }
        if (thread.state == sched::ThreadState::Running)
            cpu_time_ns += Arch::clock_nanoseconds() - min(Arch::clock_nanoseconds(), thread.slice_started_ns);
    }
    u32 handles = 0;
    if (object::ProcessObject* owner = listed->ipc().object())
        handles = owner->handles().live_count();
    StringView process_name = listed->name();
    u32 name_length = static_cast<u32>(process_name.length());
    u32 name_copied = min(name.capacity(), name_length);
    // Both destinations are checked before either is written.
    TRY(name.prefix(name_copied));
    TRY(info.check());
    process_info_t facts {};
    facts.pid = listed->pid();
    facts.parent_pid = listed->parent() ? listed->parent()->pid() : 0;
    facts.module_index = listed->module_index() < global_modules().size() && global_modules().at(listed->module_index()).name_view() == process_name
        ? listed->module_index()
        : ~0u;
    facts.state = state;
    facts.priority = listed->thread() && !listed->has_exited() ? listed->thread()->scheduling.priority : 0;
    facts.name_length = name_length;
    facts.cpu_time_ns = cpu_time_ns;
    facts.memory_bytes = listed->account().used(object::Resource::MemoryBytes);
    facts.started_ns = listed->spawned_at_ns();
    facts.handles = handles;
    facts.children = listed->child_count();
    TRY(name.write(ReadonlyBytes(reinterpret_cast<const u8*>(process_name.characters()), name_copied)));
    TRY(info.write(facts));
    return OK;
}

Result<Status> process_kill(Process& process, u32 pid)
{
    Process* target = TRY(administered(process, pid));
    target->kill();
    return OK;
}

Result<Status> process_reset(Process& process, u32 pid)
{
    Process* target = TRY(administered(process, pid));
    return reset_process(*target);
}

Result<Status> memory_stats(Process&, Out<memory_stats_t> stats)
{
    memory_stats_t counts { mm::physical_frames().free_count(), sys::KernelLinearMemory::committed_frames(),
        Arch::Mmu::page_tables_in_use(), mm::kernel_heap_mapped_bytes() / page_size };
    TRY(stats.write(counts));
    return OK;
}

// ---- The console UART, for the driver that holds `serial-port` (checked by the trampoline) ----

Result<Status> console_attach(Process& process, Handle output_event, u32 output_bits)
{
    if (Arch::console_uart_kind() == ConsoleUartKind::None)
        return E_NOT_FOUND;
    if (output_bits == 0)
        return E_INVALID_ARGUMENT;
    // The event the stream signals when output is queued: one the caller may signal itself.
    object::ProcessObject* table_owner = process.ipc().object();
    if (!table_owner)
        return E_BAD_HANDLE;
    auto event = TRY(table_owner->handles().lookup<object::Event>(output_event, object::Rights::Write));
    object::Console* console = object::Console::system();
    if (!console)
        return E_NOT_FOUND;
    auto attached = console->attach(&process, move(event.object), output_bits);
    if (attached.is_error())
        return attached.error().code == ErrorCode::Busy ? E_BUSY : E_INVALID_ARGUMENT;
    return OK;
}

Result<Status> console_read(Process& process, BytesOut buffer, u64 timeout_ns, Out<u32> length_out)
{
    if (!console_attached_to(process))
        return E_PERMISSION_DENIED;
    TRY(buffer.view());
    TRY(length_out.check());
    // Read into a kernel buffer: the guest's memory may grow while this thread waits.
    u8 chunk[512];
    Optional<u64> deadline = deadline_after(timeout_ns);
    usize length = object::Console::system()->read_output(Bytes(chunk, min<usize>(buffer.capacity(), sizeof(chunk))),
        deadline.has_value() ? *deadline : object::wait_forever);
    TRY(buffer.write(ReadonlyBytes(chunk, length)));
    TRY(length_out.write(static_cast<u32>(length)));
    return length == 0 ? E_TIMED_OUT : OK;
}

Result<Status> console_input(Process& process, BytesIn bytes)
{
    if (!console_attached_to(process))
        return E_PERMISSION_DENIED;
    ReadonlyBytes input = TRY(bytes.view()); // read once, into the queue
    auto queued = object::Console::system()->queue_input(input);
    return queued.is_error() ? E_EXHAUSTED : OK;
}

Result<Status> console_set_echo(Process& process, u32 on)
{
    object::Console* console = object::Console::system();
    if (!console)
        return E_NOT_FOUND;
    if (on > 1)
        return E_INVALID_ARGUMENT;
    console->set_echo(&process, on == 1);
    return OK;
}

Result<Status> console_echo(Process&, Out<u32> on_out)
{
    object::Console* console = object::Console::system();
    if (!console)
        return E_NOT_FOUND;
    TRY(on_out.write(console->echoes() ? 1u : 0u));
    return OK;
}

Result<Status> uart_kind(Process&, Out<u32> kind_out)
{
    TRY(kind_out.write(static_cast<u32>(Arch::console_uart_kind())));
    return OK;
}

} // namespace ath::sys::abi::azoth

namespace ath::process {

Result<wasm::Function*> resolve_process_import(wasm::Store& store, Process& process, StringView field, const wasm::FunctionType& expected)
{
    return sys::abi::azoth::resolve_booted(store, field, expected, process);
}

} // namespace ath::process
