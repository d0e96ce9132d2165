#include "Wasi.h"

#include <abi-gen/WasiImports.h>
#include <kernel/lib/Bits.h>

// The handlers of the `wasi_snapshot_preview1` rows (kernel/sys/abi/wasi_snapshot_preview1.def).
// The generated trampolines (<abi-gen/WasiImports.h>) decode the arguments, call these with typed
// values and guest views, and turn their errors into an errno through errno_from (Errno.h): a
// misaligned pointer is EINVAL, any other bad one EFAULT.
namespace ath::sys::abi::wasi {

namespace {

// --- layouts of the preview1 structures this file reads or writes ------------------------------

// The sizes are the table's (ABI_RECORD); the offsets used here:
//   iovec / ciovec  { u32 buf; u32 buf_len; }
//   fdstat          filetype u8 @0, flags u16 @2, rights u64 @8, inheriting u64 @16
//   filestat        filetype u8 @16
//   subscription    userdata u64 @0, tag u8 @8; clock: id u32 @16, timeout u64 @24, flags u16 @40;
//                   fd_read/fd_write: fd u32 @16
//   event           userdata u64 @0, error u16 @8, type u8 @10
constexpr u32 iovec_size = sizeof(records::iovec);
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

// A validated list of guest buffers (iovecs), copied in once: every buffer is checked before any
// byte moves, and the iovec array is never read again. View is ReadonlyBytes for buffers the
// kernel reads (fd_write), Bytes for buffers it fills (fd_read: refused over a read-only mapping).
template<typename View>
struct IoVectors {
    View buffers[max_iovecs];
    u32 addresses[max_iovecs]; // each buffer's guest address
    u32 count { 0 };
};

// EINVAL beyond IOV_MAX; then the array (EFAULT when its size overflows, EINVAL misaligned, EFAULT
// out of bounds), then every buffer.
template<typename View, typename Vector>
Result<Errno> load_iovecs(InArray<Vector> iovs, u32 count, IoVectors<View>& out)
{
    static_assert(sizeof(Vector) == iovec_size);
    if (count > max_iovecs)
        return Errno::Invalid;
    ReadonlyBytes array = TRY(iovs.view(count));
    for (usize i = 0; i < count; ++i) {
        u32 base = load_le<u32>(array.data() + i * iovec_size);
        u32 length = load_le<u32>(array.data() + i * iovec_size + 4);
        if constexpr (IsSame<View, Bytes>)
            out.buffers[i] = TRY(BytesOut(iovs.memory(), base, length).view());
        else
            out.buffers[i] = TRY(BytesIn(iovs.memory(), base, length).view());
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

Result<Errno> sizes_get(Span<const StringView> strings, Out<u32> count, Out<u32> buffer_size)
{
    usize size = strings_buffer_size(strings);
    if (size > 0xFFFFFFFFu)
        return Errno::Overflow;
    TRY(count.check()); // both checked before either write
    TRY(buffer_size.check());
    TRY(count.write(static_cast<u32>(strings.size())));
    TRY(buffer_size.write(static_cast<u32>(size)));
    return Errno::Success;
}

Result<Errno> strings_get(Span<const StringView> strings, OutArray<u32> pointers, OutArray<u8> buffer)
{
    usize size = strings_buffer_size(strings);
    if (!pointers.is_aligned())
        return Errno::Invalid;
    if (size > 0xFFFFFFFFu || strings.size() > 0x3FFFFFFFu)
        return Errno::Overflow;
    auto pointer_slots = TRY(pointers.bytes(static_cast<u32>(strings.size())));
    auto destination = TRY(buffer.bytes(static_cast<u32>(size)));
    usize offset = 0;
    for (usize i = 0; i < strings.size(); ++i) {
        store_le<u32>(pointer_slots.data() + i * 4, buffer.address() + static_cast<u32>(offset));
        for (char c : strings[i])
            destination[offset++] = static_cast<u8>(c);
        destination[offset++] = 0;
    }
    return Errno::Success;
}

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

// fdstat and filestat of a console stream: an 8-byte aligned, zero-filled structure whose
// file-type byte says "character device". Returns the structure for the caller to complete.
template<typename Record>
Result<Errno> describe_stdio(WasiContext& context, u32 fd, Out<Record> destination, u32 filetype_offset, Bytes& out)
{
    if (!context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    out = TRY(destination.bytes());
    out.fill(0);
    out[filetype_offset] = filetype_character_device;
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

// The stream a read (fd_read, a poll for reading) or a write may use through `fd`: null when the fd
// names none, or one of the other direction.
object::Stream* readable_stream(WasiContext& context, u32 fd)
{
    object::Stream* stream = context.stdio(fd);
    return stream && stream->is_input() ? stream : nullptr;
}

object::Stream* writable_stream(WasiContext& context, u32 fd)
{
    object::Stream* stream = context.stdio(fd);
    return stream && !stream->is_input() ? stream : nullptr;
}

bool fd_subscription_valid(WasiContext& context, u8 tag, u32 fd)
{
    return tag == event_fd_read ? readable_stream(context, fd) != nullptr : writable_stream(context, fd) != nullptr;
}

// Copies subscription `raw` (48 guest bytes already copied in) into `out`, validating it.
Errno parse_subscription(WasiContext& context, const u8* raw, u64 start, Subscription& out)
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

} // namespace

Result<Errno> args_get(WasiContext& context, OutArray<u32> argv, OutArray<u8> argv_buf)
{
    return strings_get(context.config().arguments, argv, argv_buf);
}

Result<Errno> args_sizes_get(WasiContext& context, Out<u32> argc, Out<u32> argv_buf_size)
{
    return sizes_get(context.config().arguments, argc, argv_buf_size);
}

Result<Errno> environ_get(WasiContext& context, OutArray<u32> environ, OutArray<u8> environ_buf)
{
    return strings_get(context.config().environment, environ, environ_buf);
}

Result<Errno> environ_sizes_get(WasiContext& context, Out<u32> environc, Out<u32> environ_buf_size)
{
    return sizes_get(context.config().environment, environc, environ_buf_size);
}

Result<Errno> clock_res_get(WasiContext& context, u32 id, Out<u64> resolution)
{
    if (id != clock_realtime && id != clock_monotonic)
        return Errno::Invalid;
    TRY(resolution.write(max(context.services().clock_resolution_ns(), granularity(context))));
    return Errno::Success;
}

Result<Errno> clock_time_get(WasiContext& context, u32 id, u64, Out<u64> time)
{
    auto now = read_clock(context, id);
    if (now.is_error())
        return Errno::Invalid;
    TRY(time.write(now.value()));
    return Errno::Success;
}

Result<Errno> fd_close(WasiContext& context, u32 fd)
{
    if (!context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    context.close_stdio(fd);
    return Errno::Success;
}

Result<Errno> fd_fdstat_get(WasiContext& context, u32 fd, Out<records::fdstat> stat)
{
    Bytes bytes;
    Errno status = TRY(describe_stdio(context, fd, stat, 0, bytes));
    if (status != Errno::Success)
        return status;
    u64 rights = (context.stdio(fd)->is_input() ? right_fd_read : right_fd_write) | right_poll_fd_readwrite;
    store_le<u64>(bytes.data() + 8, rights);
    return Errno::Success;
}

Result<Errno> fd_filestat_get(WasiContext& context, u32 fd, Out<records::filestat> buf)
{
    Bytes bytes;
    return describe_stdio(context, fd, buf, 16, bytes);
}

// No directories are preopened yet: wasi-libc probes fd 3, 4, ... until EBADF.
Result<Errno> fd_prestat_get(WasiContext&, u32, Out<records::prestat>) { return Errno::BadFileDescriptor; }
Result<Errno> fd_prestat_dir_name(WasiContext&, u32, BytesOut) { return Errno::BadFileDescriptor; }

Result<Errno> fd_read(WasiContext& context, u32 fd, InArray<records::iovec> iovs, u32 iovs_len, Out<u32> nread)
{
    object::Stream* stream = readable_stream(context, fd);
    if (!stream)
        return Errno::BadFileDescriptor;
    IoVectors<Bytes> vectors;
    Errno status = TRY(load_iovecs(iovs, iovs_len, vectors));
    if (status != Errno::Success)
        return status;
    TRY(nread.check());
    // One blocking read into a kernel buffer, copied out into the first non-empty guest buffer
    // after the wait (the module's memory may have changed meanwhile: the copy-out checks again).
    // A short read is allowed by the ABI.
    u8 chunk[read_chunk_size];
    usize total = 0;
    u32 target = 0;
    while (target < vectors.count && vectors.buffers[target].is_empty())
        ++target;
    u32 base = 0;
    if (target < vectors.count && !context.stdin_closed()) {
        base = vectors.addresses[target];
        total = TRY(stream->read(Bytes(chunk, min<usize>(sizeof(chunk), vectors.buffers[target].size()))));
        if (total == 0)
            context.close_stdin();
    }
    if (total > 0)
        TRY(BytesOut(iovs.memory(), base, static_cast<u32>(total)).write(ReadonlyBytes(chunk, total)));
    TRY(nread.write(static_cast<u32>(total)));
    return Errno::Success;
}

Result<Errno> fd_seek(WasiContext& context, u32 fd, i64, u32, Out<u64>)
{
    return context.is_stdio_open(fd) ? Errno::SeekPipe : Errno::BadFileDescriptor;
}

Result<Errno> fd_tell(WasiContext& context, u32 fd, Out<u64>)
{
    return context.is_stdio_open(fd) ? Errno::SeekPipe : Errno::BadFileDescriptor;
}

Result<Errno> fd_write(WasiContext& context, u32 fd, InArray<records::ciovec> iovs, u32 iovs_len, Out<u32> nwritten)
{
    object::Stream* stream = writable_stream(context, fd);
    if (!stream)
        return Errno::BadFileDescriptor;
    IoVectors<ReadonlyBytes> vectors;
    Errno status = TRY(load_iovecs(iovs, iovs_len, vectors));
    if (status != Errno::Success)
        return status;
    TRY(nwritten.check());
    u64 total = 0;
    u64 checkpointed = 0;
    for (u32 i = 0; i < vectors.count; ++i) {
        if (vectors.buffers[i].is_empty())
            continue;
        // A long write passes through a safepoint between buffers once it has written a stream
        // write's worth (object::Stream::max_write) since the last one; a caller that must stop
        // ends with what it wrote. Shorter writes (a printf's line in two iovecs) stay in one
        // piece on the console: no other module's output lands in the middle.
        if (total - checkpointed >= object::Stream::max_write) {
            if (auto stop = context.services().checkpoint(); stop.is_error())
                break;
            checkpointed = total;
        }
        auto written = stream->write(vectors.buffers[i]);
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
    TRY(nwritten.write(static_cast<u32>(total)));
    return Errno::Success;
}

Result<Errno> poll_oneoff(WasiContext& context, InArray<records::subscription> in, OutArray<records::event> out, u32 nsubscriptions, Out<u32> nevents)
{
    if (nsubscriptions == 0)
        return Errno::Invalid;
    if (!in.is_aligned() || !out.is_aligned())
        return Errno::Invalid;
    // Every pointer is checked before anything happens (a bad one is EFAULT whatever the count);
    // then the subscriptions are copied in once.
    TRY(in.view(nsubscriptions));
    TRY(out.bytes(nsubscriptions));
    TRY(nevents.check());
    if (nsubscriptions > max_subscriptions)
        return Errno::TooBig;
    u64 start = context.services().monotonic_ns();
    Subscription subscriptions[max_subscriptions];
    u64 earliest = ~u64(0);
    bool fd_ready = false;
    object::Stream* input = nullptr; // the stream a read subscription waits on (only stdin reads)
    for (u32 i = 0; i < nsubscriptions; ++i) {
        records::subscription raw = TRY(in.read(i));
        Subscription& subscription = subscriptions[i];
        Errno status = parse_subscription(context, raw.bytes, start, subscription);
        if (status != Errno::Success)
            return status;
        if (subscription.tag == event_clock)
            earliest = min(earliest, subscription.deadline);
        // Output streams are always ready, and a bad fd is reported at once as an event error.
        // Reading stdin is ready when input is queued or the input has ended.
        else if (subscription.tag == event_fd_read && fd_subscription_valid(context, subscription.tag, subscription.fd))
            input = context.stdio(subscription.fd);
        else
            fd_ready = true;
    }
    auto input_ready = [&](Optional<u64> deadline) -> Result<bool> {
        if (context.stdin_closed())
            return true;
        return input->wait_readable(deadline.has_value() ? *deadline : object::wait_forever);
    };
    // Wait for input or the earliest deadline (sleeps may end early: check the clock, not the sleep).
    u64 now = start;
    bool has_input = false;
    // A wait that fails (booted: the process is being killed) ends the call with an errno, as
    // fd_read does, and reports nothing; the kill takes effect when the call returns.
    if (input) {
        auto ready = input_ready(now);
        while (!ready.is_error() && !fd_ready && !ready.value() && now < earliest) {
            ready = input_ready(earliest == ~u64(0) ? Optional<u64>() : Optional<u64>(earliest));
            now = context.services().monotonic_ns();
        }
        has_input = TRY(move(ready));
    }
    while (!fd_ready && !has_input && now < earliest) {
        TRY(context.services().sleep_ns(earliest - now));
        now = context.services().monotonic_ns();
    }

    // Copy out: the events from the kernel's copy, written once each, then the count. The
    // destination is checked again (the module's memory may have changed while this call waited).
    u32 produced = 0;
    for (u32 i = 0; i < nsubscriptions; ++i) {
        const Subscription& subscription = subscriptions[i];
        u16 error = 0;
        if (subscription.tag == event_clock) {
            if (now < subscription.deadline)
                continue;
        } else if (!fd_subscription_valid(context, subscription.tag, subscription.fd)) {
            error = static_cast<u16>(Errno::BadFileDescriptor);
        } else if (subscription.tag == event_fd_read && !has_input) {
            continue;
        }
        records::event event {};
        store_le<u64>(event.bytes, subscription.userdata);
        store_le<u16>(event.bytes + 8, error);
        event.bytes[10] = subscription.tag;
        TRY(out.write(produced, event));
        ++produced;
    }
    TRY(nevents.write(produced));
    return Errno::Success;
}

ErrorOr proc_exit(WasiContext& context, u32 rval)
{
    context.record_exit(rval);
    return Error::from(ErrorCode::Trap, WasiContext::exit_reason);
}

Result<Errno> sched_yield(WasiContext& context)
{
    context.services().yield();
    return Errno::Success;
}

Result<Errno> random_get(WasiContext& context, BytesOut buf)
{
    Bytes buffer = TRY(buf.view());
    TRY(context.services().fill_random(buffer));
    return Errno::Success;
}

} // namespace ath::sys::abi::wasi

namespace ath::sys {

bool WasiContext::is_exit(const Error& error)
{
    return error.code == ErrorCode::Trap && StringView(error.reason) == StringView(exit_reason);
}

Result<wasm::Function*> WasiContext::resolve_import(wasm::Store& store, StringView field, const wasm::FunctionType& expected)
{
    static_assert(abi::wasi::function_count <= function_count);
    return abi::wasi::resolve(store, field, expected, *this, Span<wasm::Function*>(m_functions, function_count));
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
