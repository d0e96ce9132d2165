#include "Wasi.h"

#include <kernel/lib/Bits.h>
#include <kernel/sys/AbiSignature.h>
#include <kernel/sys/GuestMemory.h>

namespace ath::sys {

using wasm::Value;
using wasm::ValueType;

namespace {

enum class Status : u8 { Implemented, Unsupported };

// Index of every WASI function, in table order.
enum class WasiFunction : u16 {
#define WASI_FUNCTION(name, signature, status) name,
#include "abi/wasi_snapshot_preview1.def"
#undef WASI_FUNCTION
    Count,
};

struct Entry {
    StringView name;
    StringView signature;
    Status status;
};

constexpr Entry table[] = {
#define WASI_FUNCTION(name, signature, status) { #name, signature, Status::status },
#include "abi/wasi_snapshot_preview1.def"
#undef WASI_FUNCTION
};

// --- layouts of the preview1 structures this file reads or writes ------------------------------

constexpr u32 iovec_size = 8;           // { u32 buf; u32 buf_len; }
constexpr u32 fdstat_size = 24;         // filetype u8 @0, flags u16 @2, rights u64 @8, inheriting u64 @16
constexpr u32 filestat_size = 64;
constexpr u32 subscription_size = 48;
constexpr u32 event_size = 32;
constexpr u32 max_iovecs = 1024;        // IOV_MAX
// poll_oneoff copies its subscriptions into kernel memory first (copy in, copy out): at most this
// many per call (E2BIG beyond; wasi-libc's poll() uses at most two per descriptor plus a clock).
constexpr u32 max_subscriptions = 256;
// fd_read reads stdin into a kernel buffer of this size and copies it out after the wait.
constexpr u32 read_chunk_size = 1024;
constexpr u8 filetype_character_device = 2;
constexpr u64 right_fd_read = u64(1) << 1;
constexpr u64 right_fd_write = u64(1) << 6;
constexpr u64 right_poll_fd_readwrite = u64(1) << 27;
constexpr u8 event_clock = 0, event_fd_read = 1, event_fd_write = 2;
constexpr u16 subscription_clock_abstime = 1;
constexpr u32 clock_realtime = 0, clock_monotonic = 1;

struct Call {
    WasiContext& context;
    GuestMemory memory;
    Span<const Value> arguments;

    u32 u32_at(usize index) const { return arguments[index].as_i32(); }
    u64 u64_at(usize index) const { return arguments[index].as_i64(); }
};

using Handler = Result<Errno> (*)(Call&);

Errno fault_or_invalid(const Error& error) { return error.code == ErrorCode::InvalidArgument ? Errno::Invalid : Errno::Fault; }

#define TRY_GUEST(expression)                                        \
    ({                                                               \
        auto&& guest_result_ = (expression);                         \
        if (guest_result_.is_error())                                \
            return fault_or_invalid(guest_result_.error());          \
        guest_result_.release_value();                               \
    })

// A validated list of guest buffers (iovecs), copied in once: every buffer is checked before any
// byte moves, and the iovec array is never read again. View is ReadonlyBytes for buffers the
// kernel reads (fd_write), Bytes for buffers it fills (fd_read: refused over a read-only mapping).
template<typename View>
struct IoVectors {
    View buffers[max_iovecs];
    u32 addresses[max_iovecs]; // each buffer's guest address
    u32 count { 0 };
};

template<typename View>
Result<Errno> load_iovecs(Call& call, u32 address, u32 count, IoVectors<View>& out)
{
    if (count > max_iovecs)
        return Errno::Invalid;
    auto total = checked_mul<u32>(count, iovec_size);
    if (!total.has_value())
        return Errno::Fault;
    if (address % 4 != 0)
        return Errno::Invalid;
    TRY_GUEST(call.memory.readable(address, *total));
    for (u32 i = 0; i < count; ++i) {
        u32 base = TRY_GUEST(call.memory.read<u32>(address + i * iovec_size));
        u32 length = TRY_GUEST(call.memory.read<u32>(address + i * iovec_size + 4));
        if constexpr (IsSame<View, Bytes>)
            out.buffers[i] = TRY_GUEST(call.memory.writable_bytes(base, length));
        else
            out.buffers[i] = TRY_GUEST(call.memory.readable(base, length));
        out.addresses[i] = base;
    }
    out.count = count;
    return Errno::Success;
}

// argv/environ share one layout: an array of pointers plus a buffer of NUL-terminated strings.
usize strings_buffer_size(Span<const StringView> strings)
{
    usize total = 0;
    for (auto s : strings)
        total += s.length() + 1;
    return total;
}

Result<Errno> sizes_get(Call& call, Span<const StringView> strings)
{
    usize size = strings_buffer_size(strings);
    if (size > 0xFFFFFFFFu)
        return Errno::Overflow;
    TRY_GUEST(call.memory.check_writable<u32>(call.u32_at(0))); // both checked before either write
    TRY_GUEST(call.memory.check_writable<u32>(call.u32_at(1)));
    TRY_GUEST(call.memory.write<u32>(call.u32_at(0), static_cast<u32>(strings.size())));
    TRY_GUEST(call.memory.write<u32>(call.u32_at(1), static_cast<u32>(size)));
    return Errno::Success;
}

Result<Errno> strings_get(Call& call, Span<const StringView> strings)
{
    u32 pointers = call.u32_at(0);
    u32 buffer = call.u32_at(1);
    usize size = strings_buffer_size(strings);
    if (pointers % 4 != 0)
        return Errno::Invalid;
    if (size > 0xFFFFFFFFu || strings.size() > 0x3FFFFFFFu)
        return Errno::Overflow;
    auto pointer_slots = TRY_GUEST(call.memory.writable_bytes(pointers, static_cast<u32>(strings.size() * 4)));
    auto destination = TRY_GUEST(call.memory.writable_bytes(buffer, static_cast<u32>(size)));
    usize offset = 0;
    for (usize i = 0; i < strings.size(); ++i) {
        store_le<u32>(pointer_slots.data() + i * 4, buffer + static_cast<u32>(offset));
        for (char c : strings[i])
            destination[offset++] = static_cast<u8>(c);
        destination[offset++] = 0;
    }
    return Errno::Success;
}

Result<Errno> args_get(Call& call) { return strings_get(call, call.context.config().arguments); }
Result<Errno> args_sizes_get(Call& call) { return sizes_get(call, call.context.config().arguments); }
Result<Errno> environ_get(Call& call) { return strings_get(call, call.context.config().environment); }
Result<Errno> environ_sizes_get(Call& call) { return sizes_get(call, call.context.config().environment); }

u64 granularity(WasiContext& context) { return max<u64>(context.config().clock_granularity_ns, 1); }

Result<u64> read_clock(WasiContext& context, u32 id)
{
    u64 now;
    if (id == clock_realtime)
        now = context.services().realtime_ns();
    else if (id == clock_monotonic)
        now = context.services().monotonic_ns();
    else
        return Error::from(ErrorCode::InvalidArgument, "unknown clock");
    u64 step = granularity(context);
    return now - now % step;
}

Result<Errno> clock_res_get(Call& call)
{
    u32 id = call.u32_at(0);
    if (id != clock_realtime && id != clock_monotonic)
        return Errno::Invalid;
    u64 resolution = max(call.context.services().clock_resolution_ns(), granularity(call.context));
    TRY_GUEST(call.memory.write<u64>(call.u32_at(1), resolution));
    return Errno::Success;
}

Result<Errno> clock_time_get(Call& call)
{
    auto now = read_clock(call.context, call.u32_at(0));
    if (now.is_error())
        return Errno::Invalid;
    TRY_GUEST(call.memory.write<u64>(call.u32_at(2), now.value()));
    return Errno::Success;
}

Result<Errno> fd_close(Call& call)
{
    u32 fd = call.u32_at(0);
    if (!call.context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    call.context.close_stdio(fd);
    return Errno::Success;
}

// fdstat and filestat of a console stream: an 8-byte aligned, zero-filled structure whose
// file-type byte says "character device". Returns the structure for the caller to complete.
Result<Errno> describe_stdio(Call& call, u32 size, u32 filetype_offset, Bytes& out)
{
    u32 fd = call.u32_at(0);
    if (!call.context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    u32 address = call.u32_at(1);
    if (address % 8 != 0)
        return Errno::Invalid;
    out = TRY_GUEST(call.memory.writable_bytes(address, size));
    out.fill(0);
    out[filetype_offset] = filetype_character_device;
    return Errno::Success;
}

Result<Errno> fd_fdstat_get(Call& call)
{
    Bytes bytes;
    Errno status = TRY(describe_stdio(call, fdstat_size, 0, bytes));
    if (status != Errno::Success)
        return status;
    u64 rights = (call.u32_at(0) == 0 ? right_fd_read : right_fd_write) | right_poll_fd_readwrite;
    store_le<u64>(bytes.data() + 8, rights);
    return Errno::Success;
}

Result<Errno> fd_filestat_get(Call& call)
{
    Bytes bytes;
    return describe_stdio(call, filestat_size, 16, bytes);
}

// No directories are preopened yet: wasi-libc probes fd 3, 4, ... until EBADF.
Result<Errno> fd_prestat_get(Call&) { return Errno::BadFileDescriptor; }
Result<Errno> fd_prestat_dir_name(Call&) { return Errno::BadFileDescriptor; }

Result<Errno> fd_read(Call& call)
{
    u32 fd = call.u32_at(0);
    if (fd != 0 || !call.context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    IoVectors<Bytes> vectors;
    Errno status = TRY(load_iovecs(call, call.u32_at(1), call.u32_at(2), vectors));
    if (status != Errno::Success)
        return status;
    u32 result_address = call.u32_at(3);
    TRY_GUEST(call.memory.check_writable<u32>(result_address));
    // One blocking read into a kernel buffer, copied out into the first non-empty guest buffer
    // after the wait (the module's memory may have changed meanwhile: the copy-out checks again).
    // A short read is allowed by the ABI.
    u8 chunk[read_chunk_size];
    usize total = 0;
    u32 target = 0;
    while (target < vectors.count && vectors.buffers[target].is_empty())
        ++target;
    u32 base = 0;
    if (target < vectors.count && !call.context.stdin_closed()) {
        base = vectors.addresses[target];
        auto count = call.context.services().read_console(Bytes(chunk, min<usize>(sizeof(chunk), vectors.buffers[target].size())));
        if (count.is_error())
            return errno_from(count.error());
        total = count.value();
        if (total == 0)
            call.context.close_stdin();
    }
    if (total > 0)
        TRY_GUEST(call.memory.write_bytes(base, ReadonlyBytes(chunk, total)));
    TRY_GUEST(call.memory.write<u32>(result_address, static_cast<u32>(total)));
    return Errno::Success;
}

Result<Errno> fd_seek(Call& call)
{
    return call.context.is_stdio_open(call.u32_at(0)) ? Errno::SeekPipe : Errno::BadFileDescriptor;
}

Result<Errno> fd_tell(Call& call)
{
    return call.context.is_stdio_open(call.u32_at(0)) ? Errno::SeekPipe : Errno::BadFileDescriptor;
}

Result<Errno> fd_write(Call& call)
{
    u32 fd = call.u32_at(0);
    if ((fd != 1 && fd != 2) || !call.context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    IoVectors<ReadonlyBytes> vectors;
    Errno status = TRY(load_iovecs(call, call.u32_at(1), call.u32_at(2), vectors));
    if (status != Errno::Success)
        return status;
    TRY_GUEST(call.memory.check_writable<u32>(call.u32_at(3)));
    auto stream = fd == 1 ? HostServices::Stream::Output : HostServices::Stream::Error;
    u64 total = 0;
    u64 checkpointed = 0;
    for (u32 i = 0; i < vectors.count; ++i) {
        if (vectors.buffers[i].is_empty())
            continue;
        // A long write passes through a safepoint between buffers once it has written a console
        // write's worth (HostServices::max_console_write) since the last one; a caller that must
        // stop ends with what it wrote. Shorter writes (a printf's line in two iovecs) stay in one
        // piece on the console: no other module's output lands in the middle.
        if (total - checkpointed >= HostServices::max_console_write) {
            if (auto stop = call.context.services().checkpoint(); stop.is_error())
                break;
            checkpointed = total;
        }
        auto written = call.context.services().write_console(stream, vectors.buffers[i]);
        if (written.is_error()) {
            if (total == 0)
                return errno_from(written.error());
            break;
        }
        total += written.value();
        if (written.value() < vectors.buffers[i].size())
            break;
    }
    if (total > 0xFFFFFFFFu)
        total = 0xFFFFFFFFu;
    TRY_GUEST(call.memory.write<u32>(call.u32_at(3), static_cast<u32>(total)));
    return Errno::Success;
}

// One poll_oneoff subscription as copied into kernel memory: nothing is read from the guest's
// subscription array after this (the event array may overlap it, and another module sharing a
// Region, or the module itself while this call waits, may change it).
struct Subscription {
    u64 userdata;
    u64 deadline;   // clock: the monotonic deadline
    u32 fd;         // fd_read/fd_write
    u8 tag;
};

// The monotonic deadline of a clock subscription, measured from `start` (monotonic now).
Result<u64> clock_deadline(WasiContext& context, u32 id, u64 timeout, u16 flags, u64 start)
{
    if (id != clock_realtime && id != clock_monotonic)
        return Error::from(ErrorCode::InvalidArgument, "unknown clock");
    if (!(flags & subscription_clock_abstime))
        return checked_add(start, timeout).value_or(~u64(0));
    u64 clock_now = id == clock_monotonic ? start : context.services().realtime_ns();
    return start + (timeout > clock_now ? timeout - clock_now : 0);
}

bool fd_subscription_valid(WasiContext& context, u8 tag, u32 fd)
{
    bool right_stream = tag == event_fd_read ? fd == 0 : (fd == 1 || fd == 2);
    return right_stream && context.is_stdio_open(fd);
}

// Copies subscription `raw` (48 guest bytes already copied in) into `out`, validating it.
Result<Errno> parse_subscription(WasiContext& context, const u8* raw, u64 start, Subscription& out)
{
    out.userdata = load_le<u64>(raw);
    out.tag = raw[8];
    out.deadline = ~u64(0);
    out.fd = 0;
    if (out.tag == event_clock) {
        auto deadline = clock_deadline(context, load_le<u32>(raw + 16), load_le<u64>(raw + 24), load_le<u16>(raw + 40), start);
        if (deadline.is_error())
            return Errno::Invalid;
        out.deadline = deadline.value();
    } else if (out.tag == event_fd_read || out.tag == event_fd_write) {
        out.fd = load_le<u32>(raw + 16);
    } else {
        return Errno::Invalid;
    }
    return Errno::Success;
}

Result<Errno> poll_oneoff(Call& call)
{
    u32 in = call.u32_at(0);
    u32 out = call.u32_at(1);
    u32 count = call.u32_at(2);
    u32 result_address = call.u32_at(3);
    if (count == 0)
        return Errno::Invalid;
    if (in % 8 != 0 || out % 8 != 0)
        return Errno::Invalid;
    // Every pointer is checked before anything happens (a bad one is EFAULT whatever the count);
    // then the subscriptions are copied in once.
    auto in_size = checked_mul<u32>(count, subscription_size);
    auto out_size = checked_mul<u32>(count, event_size);
    if (!in_size.has_value() || !out_size.has_value())
        return Errno::Fault;
    TRY_GUEST(call.memory.readable(in, *in_size));
    TRY_GUEST(call.memory.writable_bytes(out, *out_size));
    TRY_GUEST(call.memory.check_writable<u32>(result_address));
    if (count > max_subscriptions)
        return Errno::TooBig;
    u64 start = call.context.services().monotonic_ns();
    Subscription subscriptions[max_subscriptions];
    u64 earliest = ~u64(0);
    bool fd_ready = false;
    bool waits_for_input = false;
    for (u32 i = 0; i < count; ++i) {
        u8 raw[subscription_size];
        TRY_GUEST(call.memory.copy_in(in + i * subscription_size, Bytes(raw, subscription_size)));
        Subscription& subscription = subscriptions[i];
        Errno status = TRY(parse_subscription(call.context, raw, start, subscription));
        if (status != Errno::Success)
            return status;
        if (subscription.tag == event_clock)
            earliest = min(earliest, subscription.deadline);
        // Output streams are always ready, and a bad fd is reported at once as an event error.
        // Reading stdin is ready when input is queued or the input has ended.
        else if (subscription.tag == event_fd_read && fd_subscription_valid(call.context, subscription.tag, subscription.fd))
            waits_for_input = true;
        else
            fd_ready = true;
    }
    auto input_ready = [&](Optional<u64> deadline) -> Result<bool> {
        if (call.context.stdin_closed())
            return true;
        return call.context.services().wait_console_input(deadline);
    };
    // Wait for input or the earliest deadline (sleeps may end early: check the clock, not the sleep).
    u64 now = start;
    bool has_input = false;
    // A wait that fails (booted: the process is being killed) ends the call with an errno, as
    // fd_read does, and reports nothing; the kill takes effect when the call returns.
    if (waits_for_input) {
        auto ready = input_ready(now);
        while (!ready.is_error() && !fd_ready && !ready.value() && now < earliest) {
            ready = input_ready(earliest == ~u64(0) ? Optional<u64>() : Optional<u64>(earliest));
            now = call.context.services().monotonic_ns();
        }
        if (ready.is_error())
            return errno_from(ready.error());
        has_input = ready.value();
    }
    while (!fd_ready && !has_input && now < earliest) {
        auto slept = call.context.services().sleep_ns(earliest - now);
        if (slept.is_error())
            return errno_from(slept.error());
        now = call.context.services().monotonic_ns();
    }

    // Copy out: the events from the kernel's copy, written once each, then the count. The
    // destination is checked again (the module's memory may have changed while this call waited).
    u32 produced = 0;
    for (u32 i = 0; i < count; ++i) {
        const Subscription& subscription = subscriptions[i];
        u16 error = 0;
        if (subscription.tag == event_clock) {
            if (now < subscription.deadline)
                continue;
        } else if (!fd_subscription_valid(call.context, subscription.tag, subscription.fd)) {
            error = static_cast<u16>(Errno::BadFileDescriptor);
        } else if (subscription.tag == event_fd_read && !has_input) {
            continue;
        }
        u8 event[event_size] = {};
        store_le<u64>(event, subscription.userdata);
        store_le<u16>(event + 8, error);
        event[10] = subscription.tag;
        TRY_GUEST(call.memory.write_bytes(out + produced * event_size, ReadonlyBytes(event, event_size)));
        ++produced;
    }
    TRY_GUEST(call.memory.write<u32>(result_address, produced));
    return Errno::Success;
}

Result<Errno> proc_exit(Call& call)
{
    call.context.record_exit(call.u32_at(0));
    return Error::from(ErrorCode::Trap, WasiContext::exit_reason);
}

Result<Errno> sched_yield(Call& call)
{
    call.context.services().yield();
    return Errno::Success;
}

Result<Errno> random_get(Call& call)
{
    auto buffer = TRY_GUEST(call.memory.writable_bytes(call.u32_at(0), call.u32_at(1)));
    auto filled = call.context.services().fill_random(buffer);
    if (filled.is_error())
        return errno_from(filled.error());
    return Errno::Success;
}

// Functions Azoth does not offer yet. Paths and sockets need capabilities no module has today.
template<WasiFunction function>
Result<Errno> unsupported(Call&)
{
    StringView name = table[static_cast<usize>(function)].name;
    if (name.starts_with("path_") || name.starts_with("sock_"))
        return Errno::NotCapable;
    return Errno::NoSys;
}

#define ATH_WASI_HANDLER_Implemented(name) &name
#define ATH_WASI_HANDLER_Unsupported(name) &unsupported<WasiFunction::name>
constexpr Handler handlers[] = {
#define WASI_FUNCTION(name, signature, status) ATH_WASI_HANDLER_##status(name),
#include "abi/wasi_snapshot_preview1.def"
#undef WASI_FUNCTION
};
#undef ATH_WASI_HANDLER_Implemented
#undef ATH_WASI_HANDLER_Unsupported

template<WasiFunction function>
ErrorOr trampoline(wasm::HostCall& host, Span<const Value> arguments, Span<Value> results)
{
    Call call { *static_cast<WasiContext*>(host.user_data), GuestMemory(host.caller_memory), arguments };
    Errno status_code = TRY(handlers[static_cast<usize>(function)](call));
    if (results.size() == 1)
        results[0] = Value::from_i32(static_cast<u16>(status_code));
    return {};
}

constexpr wasm::HostFunctionCallback trampolines[] = {
#define WASI_FUNCTION(name, signature, status) &trampoline<WasiFunction::name>,
#include "abi/wasi_snapshot_preview1.def"
#undef WASI_FUNCTION
};

static_assert(array_size(table) == static_cast<usize>(WasiFunction::Count));

} // namespace

bool WasiContext::is_exit(const Error& error)
{
    return error.code == ErrorCode::Trap && StringView(error.reason) == StringView(exit_reason);
}

Result<wasm::Function*> WasiContext::resolve_import(wasm::Store& store, StringView field, const wasm::FunctionType& expected)
{
    static_assert(array_size(table) <= function_count);
    for (usize i = 0; i < array_size(table); ++i) {
        if (table[i].name != field)
            continue;
        AbiSignature signature = AbiSignature::parse(table[i].signature);
        if (!(signature.type() == expected))
            return Error::from(ErrorCode::Unlinkable, "incompatible import type");
        if (!m_functions[i])
            m_functions[i] = TRY(store.create_host_function(signature.type(), trampolines[i], this));
        return m_functions[i];
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
}

ErrorOr WasiContext::resolve_all(wasm::Store& store, const wasm::Module& module, Span<wasm::Extern> imports)
{
    if (imports.size() != module.import_count())
        return Error::from(ErrorCode::InvalidArgument, "import slot count differs from the module's");
    for (usize i = 0; i < module.import_count(); ++i) {
        auto import = module.import_at(i);
        if (import.module_name != wasi_module_name || import.type.kind != wasm::ExternKind::Function)
            return Error::from(ErrorCode::Unlinkable, "unknown import");
        auto* function = TRY(resolve_import(store, import.field_name, import.type.function));
        imports[i] = wasm::Extern::from(function);
    }
    return {};
}

} // namespace ath::sys
