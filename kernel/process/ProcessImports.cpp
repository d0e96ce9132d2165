#include <kernel/arch/Arch.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/process/ConsoleStream.h>
#include <kernel/process/Manifest.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessImports.h>
#include <kernel/sys/GuestMemory.h>
#include <kernel/sys/KernelLinearMemory.h>

namespace ath::process {

namespace {

using wasm::Value;
using wasm::ValueType;

enum Status : i32 {
    ok = 0,
    permission_denied = 2,
    invalid_argument = 3,
    fault = 4,
    no_memory = 5,
    exhausted = 6,
    busy = 7,
    timed_out = 8,
    not_found = 10,
    malformed = 14,
};

i32 status_for(const Error& error)
{
    switch (error.code) {
    case ErrorCode::OutOfRange: return fault;
    case ErrorCode::InvalidArgument: return fault; // misaligned guest pointer
    case ErrorCode::OutOfMemory: return no_memory;
    case ErrorCode::Exhausted: return exhausted;
    case ErrorCode::TimedOut: return timed_out;
    case ErrorCode::Malformed:
    case ErrorCode::Invalid: return malformed;
    default: return invalid_argument;
    }
}

Process& self(wasm::HostCall& call) { return *static_cast<Process*>(call.user_data); }
sys::GuestMemory memory(wasm::HostCall& call) { return sys::GuestMemory(call.caller_memory); }

ErrorOr reply(Span<Value> results, i32 status)
{
    results[0] = Value::from_i32(static_cast<u32>(status));
    return {};
}

ErrorOr module_count(wasm::HostCall&, Span<const Value>, Span<Value> results)
{
    return reply(results, static_cast<i32>(global_modules().size()));
}

ErrorOr module_info(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    u32 index = arguments[0].as_i32();
    u32 name_address = arguments[1].as_i32(), name_capacity = arguments[2].as_i32(), info_address = arguments[3].as_i32();
    auto& modules = global_modules();
    if (index >= modules.size())
        return reply(results, not_found);
    const ModuleManifest& manifest = modules.at(index);
    auto guest = memory(call);
    // Validate both destinations before writing either.
    u32 name_length = static_cast<u32>(manifest.name_length);
    auto name_bytes = guest.bytes(name_address, min(name_capacity, name_length));
    auto info_bytes = guest.bytes(info_address, 16);
    if (name_bytes.is_error() || info_bytes.is_error() || info_address % 4 != 0)
        return reply(results, fault);
    for (usize i = 0; i < name_bytes.value().size(); ++i)
        name_bytes.value()[i] = static_cast<u8>(manifest.name[i]);
    u32 info[4] = { name_length, static_cast<u32>(manifest.restart), manifest.max_restarts,
        StringView(manifest.name_view()) == self(call).name() ? 1u : 0u };
    __builtin_memcpy(info_bytes.value().data(), info, sizeof(info));
    return reply(results, ok);
}

ErrorOr spawn(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    Process& parent = self(call);
    if (!parent.may_supervise())
        return reply(results, permission_denied);
    u32 index = arguments[0].as_i32();
    u32 child_address = arguments[1].as_i32();
    auto guest = memory(call);
    if (guest.bytes(child_address, 4).is_error() || child_address % 4 != 0)
        return reply(results, fault);
    auto& modules = global_modules();
    if (index >= modules.size())
        return reply(results, not_found);
    const ModuleManifest& manifest = modules.at(index);
    FixedVector<StringView, 32> argv;
    StringView line = manifest.argument_line();
    usize start = 0;
    for (usize i = 0; i <= line.length(); ++i) {
        if (i < line.length() && line[i] != ' ')
            continue;
        if (i > start && argv.try_append(line.substring(start, i - start)).is_error())
            return reply(results, invalid_argument);
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
    spec.module_index = index;
    auto child = Process::spawn(spec);
    if (child.is_error())
        return reply(results, status_for(child.error()));
    u32 number = 0;
    for (u32 n = 1; n <= Process::max_children; ++n) {
        if (parent.child(n) == child.value())
            number = n;
    }
    // Checked above and nothing ran in between: the write cannot fail.
    VERIFY(!guest.write<u32>(child_address, number).is_error());
    return reply(results, ok);
}

ErrorOr wait(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    u64 timeout = arguments[0].as_i64();
    u32 event_address = arguments[1].as_i32();
    auto guest = memory(call);
    if (guest.bytes(event_address, 16).is_error() || event_address % 4 != 0)
        return reply(results, fault);
    Optional<u64> deadline;
    if (timeout != ~0ull) {
        u64 now = Arch::clock_nanoseconds();
        deadline = timeout > ~0ull - now ? ~0ull - 1 : now + timeout;
    }
    auto exit = self(call).wait_child(deadline);
    if (exit.is_error())
        return reply(results, exit.error().code == ErrorCode::TimedOut ? timed_out : invalid_argument);
    // The child's thread ran meanwhile and memory may have grown, never shrunk: still in bounds.
    u32 event[4] = { exit.value().child, exit.value().module_index, static_cast<u32>(exit.value().kind), exit.value().code };
    auto bytes = guest.bytes(event_address, 16);
    if (bytes.is_error())
        return reply(results, fault);
    __builtin_memcpy(bytes.value().data(), event, sizeof(event));
    return reply(results, ok);
}

ErrorOr kill(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    Process* child = self(call).child(arguments[0].as_i32());
    if (!child)
        return reply(results, not_found);
    child->kill();
    return reply(results, ok);
}

ErrorOr memory_stats(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    u32 address = arguments[0].as_i32();
    u64 stats[4] = { mm::physical_frames().free_count(), sys::KernelLinearMemory::committed_frames(),
        Arch::Mmu::page_tables_in_use(), mm::kernel_heap_mapped_bytes() / page_size };
    auto bytes = memory(call).bytes(address, sizeof(stats));
    if (bytes.is_error() || address % 8 != 0)
        return reply(results, fault);
    __builtin_memcpy(bytes.value().data(), stats, sizeof(stats));
    return reply(results, ok);
}

// ---- azoth_device: the console UART for the driver that holds `serial-port` ----

ErrorOr console_attach_import(wasm::HostCall& call, Span<const Value>, Span<Value> results)
{
    Process& process = self(call);
    if (!process.may_use_serial_port())
        return reply(results, permission_denied);
    if (Arch::console_uart_registers() == 0)
        return reply(results, not_found);
    auto attached = console_attach(process);
    return reply(results, attached.is_error() ? busy : ok);
}

ErrorOr console_read_import(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    Process& process = self(call);
    if (!console_attached_to(process))
        return reply(results, permission_denied);
    u32 buffer_address = arguments[0].as_i32(), capacity = arguments[1].as_i32();
    u64 timeout = arguments[2].as_i64();
    u32 length_address = arguments[3].as_i32();
    auto guest = memory(call);
    if (guest.bytes(buffer_address, capacity).is_error() || guest.bytes(length_address, 4).is_error() || length_address % 4 != 0)
        return reply(results, fault);
    Optional<u64> deadline;
    if (timeout != ~0ull) {
        u64 now = Arch::clock_nanoseconds();
        deadline = timeout > ~0ull - now ? ~0ull - 1 : now + timeout;
    }
    // Read into a kernel buffer: the guest's memory may grow while this thread waits.
    u8 chunk[512];
    usize length = console_read(Bytes(chunk, min<usize>(capacity, sizeof(chunk))), deadline);
    auto destination = guest.bytes(buffer_address, static_cast<u32>(length));
    auto length_slot = guest.bytes(length_address, 4);
    if (destination.is_error() || length_slot.is_error())
        return reply(results, fault);
    __builtin_memcpy(destination.value().data(), chunk, length);
    u32 length32 = static_cast<u32>(length);
    __builtin_memcpy(length_slot.value().data(), &length32, 4);
    return reply(results, length == 0 ? timed_out : ok);
}

ErrorOr uart_read_import(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    Process& process = self(call);
    if (!console_attached_to(process))
        return reply(results, permission_denied);
    u32 index = arguments[0].as_i32(), value_address = arguments[1].as_i32();
    if (index >= Arch::console_uart_registers())
        return reply(results, invalid_argument);
    auto slot = memory(call).bytes(value_address, 1);
    if (slot.is_error())
        return reply(results, fault);
    slot.value()[0] = Arch::console_uart_read(index);
    return reply(results, ok);
}

ErrorOr uart_write_import(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    Process& process = self(call);
    if (!console_attached_to(process))
        return reply(results, permission_denied);
    u32 index = arguments[0].as_i32(), value = arguments[1].as_i32();
    if (index >= Arch::console_uart_registers() || value > 0xFF)
        return reply(results, invalid_argument);
    Arch::console_uart_write(index, static_cast<u8>(value));
    return reply(results, ok);
}

ErrorOr uart_kind_import(wasm::HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    Process& process = self(call);
    if (!process.may_use_serial_port())
        return reply(results, permission_denied);
    u32 kind_address = arguments[0].as_i32();
    auto slot = memory(call).bytes(kind_address, 4);
    if (slot.is_error() || kind_address % 4 != 0)
        return reply(results, fault);
    u32 kind = static_cast<u32>(Arch::console_uart_kind());
    __builtin_memcpy(slot.value().data(), &kind, 4);
    return reply(results, ok);
}

struct ImportEntry {
    StringView name;
    Span<const ValueType> parameters;
    wasm::HostFunctionCallback callback;
};

constexpr ValueType no_values[] = { ValueType::I32 };
constexpr ValueType one_i32[] = { ValueType::I32 };
constexpr ValueType two_i32[] = { ValueType::I32, ValueType::I32 };
constexpr ValueType four_i32[] = { ValueType::I32, ValueType::I32, ValueType::I32, ValueType::I32 };
constexpr ValueType i64_i32[] = { ValueType::I64, ValueType::I32 };
constexpr ValueType status_result[] = { ValueType::I32 };

const ImportEntry entries[] = {
    { "module_count", Span<const ValueType>(no_values, 0), module_count },
    { "module_info", Span<const ValueType>(four_i32, 4), module_info },
    { "spawn", Span<const ValueType>(two_i32, 2), spawn },
    { "wait", Span<const ValueType>(i64_i32, 2), wait },
    { "kill", Span<const ValueType>(one_i32, 1), kill },
    { "memory_stats", Span<const ValueType>(one_i32, 1), memory_stats },
};

constexpr ValueType read_parameters[] = { ValueType::I32, ValueType::I32, ValueType::I64, ValueType::I32 };

const ImportEntry device_entries[] = {
    { "console_attach", Span<const ValueType>(no_values, 0), console_attach_import },
    { "console_read", Span<const ValueType>(read_parameters, 4), console_read_import },
    { "uart_read", Span<const ValueType>(two_i32, 2), uart_read_import },
    { "uart_write", Span<const ValueType>(two_i32, 2), uart_write_import },
    { "uart_kind", Span<const ValueType>(one_i32, 1), uart_kind_import },
};

} // namespace

Result<wasm::Function*> resolve_process_import(wasm::Store& store, Process& process, StringView module_name,
    StringView field, const wasm::FunctionType& expected)
{
    Span<const ImportEntry> table = module_name == device_imports_module_name
        ? Span<const ImportEntry>(device_entries, sizeof(device_entries) / sizeof(device_entries[0]))
        : Span<const ImportEntry>(entries, sizeof(entries) / sizeof(entries[0]));
    for (auto& entry : table) {
        if (entry.name != field)
            continue;
        wasm::FunctionType type { entry.parameters, Span<const ValueType>(status_result, 1) };
        if (!(type == expected))
            return Error::from(ErrorCode::Unlinkable, "incompatible import type");
        return store.create_host_function(type, entry.callback, &process);
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
}

} // namespace ath::process
