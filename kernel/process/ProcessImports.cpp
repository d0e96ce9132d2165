#include <kernel/arch/Arch.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/object/HandleTable.h>
#include <kernel/process/ConsoleStream.h>
#include <kernel/process/Manifest.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessImports.h>
#include <kernel/process/ProcessIpc.h>
#include <kernel/sys/Azoth.h>
#include <kernel/sys/AbiSignature.h>
#include <kernel/sys/GuestMemory.h>
#include <kernel/sys/KernelLinearMemory.h>
#include <kernel/sys/abi/AzothAbi.h>

namespace ath::process {

namespace {

using wasm::Value;
using wasm::ValueType;

using namespace sys::abi;

static_assert(RESTART_NEVER == static_cast<u32>(RestartPolicy::Never) && RESTART_ON_FAILURE == static_cast<u32>(RestartPolicy::OnFailure)
    && RESTART_ALWAYS == static_cast<u32>(RestartPolicy::Always));
static_assert(EXIT_EXITED == static_cast<u32>(ExitKind::Exited) && EXIT_TRAPPED == static_cast<u32>(ExitKind::Trapped)
    && EXIT_KILLED == static_cast<u32>(ExitKind::Killed) && EXIT_FAILED == static_cast<u32>(ExitKind::Failed));
static_assert(UART_NONE == static_cast<u32>(ConsoleUartKind::None) && UART_NS16550 == static_cast<u32>(ConsoleUartKind::Ns16550)
    && UART_PL011 == static_cast<u32>(ConsoleUartKind::Pl011));

i32 status_for(const Error& error)
{
    switch (error.code) {
    case ErrorCode::OutOfRange: return E_FAULT;
    case ErrorCode::InvalidArgument: return E_FAULT; // misaligned guest pointer
    case ErrorCode::OutOfMemory: return E_NO_MEMORY;
    case ErrorCode::Exhausted: return E_EXHAUSTED;
    case ErrorCode::TimedOut: return E_TIMED_OUT;
    case ErrorCode::Malformed:
    case ErrorCode::Invalid: return E_MALFORMED;
    default: return E_INVALID_ARGUMENT;
    }
}

// One call of a Booted table entry: the caller, its memory and the (type-checked) arguments.
struct Call {
    Process& process;
    sys::GuestMemory memory;
    Span<const Value> arguments;

    u32 u32_at(usize index) const { return arguments[index].as_i32(); }
    u64 u64_at(usize index) const { return arguments[index].as_i64(); }
};

// A deadline from a timeout in ns (~0: none).
Optional<u64> deadline_after(u64 timeout)
{
    if (timeout == ~0ull)
        return {};
    u64 now = Arch::clock_nanoseconds();
    return timeout > ~0ull - now ? ~0ull - 1 : now + timeout;
}

// Writes `value` to a caller's structure through GuestMemory::write (bounds and alignment
// checked); either failure answers E_FAULT, as every bad pointer of these calls does.
template<typename T>
i32 store(Call& call, u32 address, const T& value)
{
    return call.memory.write(address, value).is_error() ? E_FAULT : OK;
}

// ---- The handlers, one per Booted entry of azoth.def (same names) ----

namespace handlers {

i32 module_count(Call& call)
{
    return store<u32>(call, call.u32_at(0), static_cast<u32>(global_modules().size()));
}

i32 module_info(Call& call)
{
    u32 index = call.u32_at(0);
    u32 name_address = call.u32_at(1), name_capacity = call.u32_at(2), info_address = call.u32_at(3);
    auto& modules = global_modules();
    if (index >= modules.size())
        return E_NOT_FOUND;
    const ModuleManifest& manifest = modules.at(index);
    // Validate both destinations before writing either.
    u32 name_length = static_cast<u32>(manifest.name_length);
    u32 name_copied = min(name_capacity, name_length);
    if (call.memory.writable_bytes(name_address, name_copied).is_error() || call.memory.check_writable<module_info_t>(info_address).is_error())
        return E_FAULT;
    module_info_t info { name_length, static_cast<u32>(manifest.restart), manifest.max_restarts,
        StringView(manifest.name_view()) == call.process.name() ? 1u : 0u };
    if (call.memory.write_bytes(name_address, ReadonlyBytes(reinterpret_cast<const u8*>(manifest.name), name_copied)).is_error())
        return E_FAULT;
    return store(call, info_address, info);
}

i32 spawn(Call& call)
{
    Process& parent = call.process;
    u32 index = call.u32_at(0);
    u32 child_address = call.u32_at(1);
    // Checked as the kernel will write it (bounds, alignment, not a read-only mapping) before the
    // child exists: a bad pointer starts nothing.
    if (call.memory.check_writable<u32>(child_address).is_error())
        return E_FAULT;
    auto& modules = global_modules();
    if (index >= modules.size())
        return E_NOT_FOUND;
    const ModuleManifest& manifest = modules.at(index);
    FixedVector<StringView, 32> argv;
    StringView line = manifest.argument_line();
    usize start = 0;
    for (usize i = 0; i <= line.length(); ++i) {
        if (i < line.length() && line[i] != ' ')
            continue;
        if (i > start && argv.try_append(line.substring(start, i - start)).is_error())
            return E_INVALID_ARGUMENT;
        start = i + 1;
    }
    ProcessSpec spec;
    spec.name = manifest.name_view();
    spec.module_bytes = manifest.module_bytes;
    spec.arguments = argv.span();
    spec.cpu_limit_ns = manifest.cpu_limit_ns;
    spec.priority = manifest.priority;
    spec.parent = &parent;
    spec.may_supervise = manifest.may_supervise;
    spec.may_use_serial_port = manifest.serial_port;
    spec.may_use_console = manifest.console;
    spec.module_index = index;
    auto child = Process::spawn(spec);
    if (child.is_error())
        return status_for(child.error());
    u32 number = 0;
    for (u32 n = 1; n <= Process::max_children; ++n) {
        if (parent.child(n) == child.value())
            number = n;
    }
    // Checked above, but the child has already run (Process::spawn may switch threads), and a
    // handler of the parent may have mapped a region over the destination meanwhile: a write that
    // fails now is the caller's E_FAULT, the child stays (the supervisor learns its number from
    // `wait`, and it is killed with the parent).
    return store<u32>(call, child_address, number);
}

i32 wait(Call& call)
{
    u32 event_address = call.u32_at(1);
    if (call.memory.check_writable<child_exit_t>(event_address).is_error())
        return E_FAULT;
    auto exit = call.process.wait_child(deadline_after(call.u64_at(0)));
    if (exit.is_error())
        return exit.error().code == ErrorCode::TimedOut ? E_TIMED_OUT : E_INVALID_ARGUMENT;
    // The child's thread ran meanwhile and memory may have grown, never shrunk: still in bounds.
    child_exit_t event { exit.value().child, exit.value().module_index, static_cast<u32>(exit.value().kind), exit.value().code };
    return store(call, event_address, event);
}

i32 kill(Call& call)
{
    Process* child = call.process.child(call.u32_at(0));
    if (!child)
        return E_NOT_FOUND;
    child->kill();
    return OK;
}

i32 memory_stats(Call& call)
{
    memory_stats_t stats { mm::physical_frames().free_count(), sys::KernelLinearMemory::committed_frames(),
        Arch::Mmu::page_tables_in_use(), mm::kernel_heap_mapped_bytes() / page_size };
    return store(call, call.u32_at(0), stats);
}

// ---- The console UART, for the driver that holds `serial-port` (checked by the dispatch) ----

i32 console_attach(Call& call)
{
    if (Arch::console_uart_kind() == ConsoleUartKind::None)
        return E_NOT_FOUND;
    u32 bits = call.u32_at(1);
    if (bits == 0)
        return E_INVALID_ARGUMENT;
    // The event the stream signals when output is queued: one the caller may signal itself.
    object::Process* table_owner = call.process.ipc().object();
    if (!table_owner)
        return E_BAD_HANDLE;
    auto event = table_owner->handles().lookup<object::Event>(call.u32_at(0), object::Rights::Write);
    if (event.is_error())
        return sys::azoth_status_for(event.error());
    auto attached = process::console_attach(call.process, move(event.value().object), bits);
    if (attached.is_error())
        return attached.error().code == ErrorCode::Busy ? E_BUSY : E_INVALID_ARGUMENT;
    return OK;
}

i32 console_read(Call& call)
{
    if (!console_attached_to(call.process))
        return E_PERMISSION_DENIED;
    u32 buffer_address = call.u32_at(0), capacity = call.u32_at(1);
    u32 length_address = call.u32_at(3);
    if (call.memory.writable_bytes(buffer_address, capacity).is_error() || call.memory.check_writable<u32>(length_address).is_error())
        return E_FAULT;
    // Read into a kernel buffer: the guest's memory may grow while this thread waits.
    u8 chunk[512];
    usize length = process::console_read(Bytes(chunk, min<usize>(capacity, sizeof(chunk))), deadline_after(call.u64_at(2)));
    if (call.memory.write_bytes(buffer_address, ReadonlyBytes(chunk, length)).is_error())
        return E_FAULT;
    i32 stored = store<u32>(call, length_address, static_cast<u32>(length));
    if (stored != OK)
        return stored;
    return length == 0 ? E_TIMED_OUT : OK;
}

i32 console_input(Call& call)
{
    if (!console_attached_to(call.process))
        return E_PERMISSION_DENIED;
    auto bytes = call.memory.readable(call.u32_at(0), call.u32_at(1)); // read once, into the queue
    if (bytes.is_error())
        return E_FAULT;
    auto queued = process::console_input(bytes.value());
    return queued.is_error() ? E_EXHAUSTED : OK;
}

i32 uart_kind(Call& call)
{
    return store<u32>(call, call.u32_at(0), static_cast<u32>(Arch::console_uart_kind()));
}

} // namespace handlers

// ---- The dispatch, generated from azoth.def: every Booted entry, nothing listed by hand ----

using Handler = i32 (*)(Call&);

bool holds(const Process& process, Capability capability)
{
    switch (capability) {
    case Capability::None: return true;
    case Capability::Supervisor: return process.may_supervise();
    case Capability::SerialPort: return process.may_use_serial_port();
    case Capability::Console: return process.may_use_console();
    }
    return false;
}

template<Handler handler, Capability capability>
ErrorOr trampoline(wasm::HostCall& host, Span<const Value> arguments, Span<Value> results)
{
    Call call { *static_cast<Process*>(host.user_data), sys::GuestMemory(host.caller_memory), arguments };
    i32 status = holds(call.process, capability) ? handler(call) : i32(E_PERMISSION_DENIED);
    results[0] = Value::from_i32(static_cast<u32>(status));
    return {};
}

struct Entry {
    StringView name;
    StringView signature;
    wasm::HostFunctionCallback callback;
};

#define ATH_BOOTED_ENTRY_Implemented(name, signature, capability)
#define ATH_BOOTED_ENTRY_Unsupported(name, signature, capability)
#define ATH_BOOTED_ENTRY_Booted(name, signature, capability) { #name, signature, &trampoline<&handlers::name, Capability::capability> },
constexpr Entry entries[] = {
#define AZOTH_FUNCTION(name, signature, c_parameters, capability, status) ATH_BOOTED_ENTRY_##status(name, signature, capability)
#include <kernel/sys/abi/azoth.def>
};
#undef ATH_BOOTED_ENTRY_Implemented
#undef ATH_BOOTED_ENTRY_Unsupported
#undef ATH_BOOTED_ENTRY_Booted

} // namespace

Result<wasm::Function*> resolve_process_import(wasm::Store& store, Process& process, StringView field, const wasm::FunctionType& expected)
{
    for (auto& entry : entries) {
        if (entry.name != field)
            continue;
        sys::AbiSignature signature = sys::AbiSignature::parse(entry.signature);
        if (!(signature.type() == expected))
            return Error::from(ErrorCode::Unlinkable, "incompatible import type");
        return store.create_host_function(signature.type(), entry.callback, &process);
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
}

} // namespace ath::process
