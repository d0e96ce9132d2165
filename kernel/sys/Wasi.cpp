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

// A file or directory is always ready (reads and writes do not wait) when it holds the right.
bool fd_subscription_valid(WasiContext& context, u8 tag, u32 fd)
{
    if (WasiFile* file = context.file(fd))
        return (file->rights & right_poll_fd_readwrite) != 0;
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

// --- files (fd 3 and up): the context's FileSystem, rights checked here --------------------------

// Layouts: filestat dev u64 @0, ino u64 @8, filetype u8 @16, nlink u64 @24, size @32, atim @40,
// mtim @48, ctim @56; prestat tag u8 @0, name length u32 @4; dirent next u64 @0, ino u64 @8,
// name length u32 @16, type u8 @20, then the name.
constexpr u32 dirent_size = 24;
// A path is copied into the kernel whole (PATH_MAX with its NUL): longer is ENAMETOOLONG.
constexpr u32 max_path = 4096;
constexpr u16 oflag_create = 1, oflag_directory = 2, oflag_exclusive = 4, oflag_truncate = 8;
constexpr u32 lookup_symlink_follow = 1;
constexpr u16 fdflags_all = fdflag_append | fdflag_dsync | fdflag_nonblock | fdflag_rsync | fdflag_sync;
constexpr u16 fstflags_all = fstflag_atim | fstflag_atim_now | fstflag_mtim | fstflag_mtim_now;

struct PathBuffer {
    char text[max_path];
    u32 length { 0 };
    StringView view() const { return StringView(text, length); }
};

// Copies a guest path in once: EFAULT out of bounds, ENAMETOOLONG beyond max_path, EINVAL with a
// NUL byte inside (the file system could not tell where it ends).
Result<Errno> load_path(BytesIn path, PathBuffer& out)
{
    ReadonlyBytes bytes = TRY(path.view());
    if (bytes.size() >= max_path)
        return Errno::NameTooLong;
    for (usize i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == 0)
            return Errno::Invalid;
        out.text[i] = static_cast<char>(bytes[i]);
    }
    out.length = static_cast<u32>(bytes.size());
    return Errno::Success;
}

// The open file behind `fd` holding `rights` (all of them): EBADF when there is none, ENOTCAPABLE
// when a right is missing.
Errno file_with(WasiContext& context, u32 fd, u64 rights, WasiFile*& out)
{
    out = context.file(fd);
    if (!out)
        return Errno::BadFileDescriptor;
    if ((out->rights & rights) != rights)
        return Errno::NotCapable;
    return Errno::Success;
}

// A directory descriptor holding `right`, for a path operation (ENOTDIR for a file).
Errno directory_with(WasiContext& context, u32 fd, u64 right, WasiFile*& out)
{
    out = context.file(fd);
    if (!out)
        return Errno::BadFileDescriptor;
    if (out->type != FileType::Directory)
        return Errno::NotDirectory;
    if ((out->rights & right) != right)
        return Errno::NotCapable;
    return Errno::Success;
}

// The start of every path_* call: the directory descriptor `fd` with `rights`, and `path` copied in
// (load_path's checks); stops at the first errno.
Result<Errno> directory_and_path(WasiContext& context, u32 fd, u64 rights, BytesIn path, WasiFile*& directory, PathBuffer& name)
{
    if (Errno status = directory_with(context, fd, rights, directory); status != Errno::Success)
        return status;
    return load_path(path, name);
}

void store_filestat(Bytes out, const FileStat& stat)
{
    out.fill(0);
    store_le<u64>(out.data() + 0, stat.device);
    store_le<u64>(out.data() + 8, stat.inode);
    out[16] = static_cast<u8>(stat.type);
    store_le<u64>(out.data() + 24, stat.link_count);
    store_le<u64>(out.data() + 32, stat.size);
    store_le<u64>(out.data() + 40, stat.access_ns);
    store_le<u64>(out.data() + 48, stat.modify_ns);
    store_le<u64>(out.data() + 56, stat.change_ns);
}

Result<Errno> write_filestat(Out<records::filestat> destination, const FileStat& stat)
{
    Bytes bytes = TRY(destination.bytes());
    store_filestat(bytes, stat);
    return Errno::Success;
}

// fstflags: each time either set to a value or to now, never both; no unknown bits.
bool valid_fstflags(u32 flags)
{
    if (flags & ~u32(fstflags_all))
        return false;
    if ((flags & fstflag_atim) && (flags & fstflag_atim_now))
        return false;
    return !((flags & fstflag_mtim) && (flags & fstflag_mtim_now));
}

// One transfer per module buffer, one after another (positioned when `offset` is set), stopping
// at a short one: reads into Bytes buffers, writes from ReadonlyBytes ones.
inline Errno transfer_one(FileSystem& files, FileNode node, Bytes buffer, Optional<u64> at, usize& done)
{
    return at.has_value() ? files.read_at(node, buffer, *at, done) : files.read(node, buffer, done);
}
inline Errno transfer_one(FileSystem& files, FileNode node, ReadonlyBytes buffer, Optional<u64> at, usize& done)
{
    return at.has_value() ? files.write_at(node, buffer, *at, done) : files.write(node, buffer, done);
}

template<typename Vectors>
Errno transfer_vectors(FileSystem& files, FileNode node, Vectors& vectors, Optional<u64> offset, u64& total)
{
    total = 0;
    for (u32 i = 0; i < vectors.count; ++i) {
        auto buffer = vectors.buffers[i];
        if (buffer.is_empty())
            continue;
        usize done = 0;
        Optional<u64> at;
        if (offset.has_value())
            at = *offset + total;
        Errno status = transfer_one(files, node, buffer, at, done);
        if (status != Errno::Success)
            return total > 0 ? Errno::Success : status;
        total += done;
        if (done < buffer.size())
            break;
    }
    return Errno::Success;
}

// The file side of fd_read, fd_pread (View = Bytes) and fd_write, fd_pwrite (View =
// ReadonlyBytes), after the rights check: not a directory, the iovecs copied in once, the transfer
// at `offset` (none: the file position), the count written out once.
template<typename View, typename Record>
Result<Errno> transfer_file(WasiContext& context, WasiFile& file, InArray<Record> iovs, u32 iovs_len, Optional<u64> offset,
                            Out<u32> done)
{
    if (file.type == FileType::Directory)
        return Errno::IsDirectory;
    IoVectors<View> vectors;
    if (Errno status = TRY(load_iovecs(iovs, iovs_len, vectors)); status != Errno::Success)
        return status;
    TRY(done.check());
    u64 total = 0;
    if (Errno status = transfer_vectors(*context.file_system(), file.node, vectors, offset, total); status != Errno::Success)
        return status;
    TRY(done.write(static_cast<u32>(min<u64>(total, 0xFFFFFFFFu))));
    return Errno::Success;
}

// fd_readdir's writer: each entry's header and name go into the module's buffer as far as they fit
// (the last one cut short: the module sees bufused == buf_len and asks again with a larger buffer).
class DirentWriter final : public DirectoryVisitor {
public:
    explicit DirentWriter(Bytes buffer) : m_buffer(buffer) { }
    bool entry(const DirectoryEntry& entry) override
    {
        u8 header[dirent_size] {};
        store_le<u64>(header + 0, entry.next);
        store_le<u64>(header + 8, entry.inode);
        store_le<u32>(header + 16, static_cast<u32>(entry.name.length()));
        header[20] = static_cast<u8>(entry.type);
        append(ReadonlyBytes(header, dirent_size));
        append(ReadonlyBytes(reinterpret_cast<const u8*>(entry.name.characters()), entry.name.length()));
        return m_used < m_buffer.size();
    }
    usize used() const { return m_used; }

private:
    void append(ReadonlyBytes bytes)
    {
        usize count = min(bytes.size(), m_buffer.size() - m_used);
        for (usize i = 0; i < count; ++i)
            m_buffer[m_used + i] = bytes[i];
        m_used += count;
    }
    Bytes m_buffer;
    usize m_used { 0 };
};

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
    if (context.file(fd)) {
        context.close_file(fd);
        return Errno::Success;
    }
    if (!context.is_stdio_open(fd))
        return Errno::BadFileDescriptor;
    context.close_stdio(fd);
    return Errno::Success;
}

Result<Errno> fd_fdstat_get(WasiContext& context, u32 fd, Out<records::fdstat> stat)
{
    if (WasiFile* file = context.file(fd)) {
        TRY(stat.check());
        u16 flags = 0;
        if (file->type != FileType::Directory) {
            Errno status = context.file_system()->get_flags(file->node, flags);
            if (status != Errno::Success)
                return status;
        }
        Bytes out = TRY(stat.bytes());
        out.fill(0);
        out[0] = static_cast<u8>(file->type);
        store_le<u16>(out.data() + 2, flags);
        store_le<u64>(out.data() + 8, file->rights);
        store_le<u64>(out.data() + 16, file->inheriting);
        return Errno::Success;
    }
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
    if (context.file(fd)) {
        WasiFile* file;
        if (Errno status = file_with(context, fd, wasi_rights::fd_filestat_get, file); status != Errno::Success)
            return status;
        TRY(buf.check());
        FileStat stat;
        if (Errno status = context.file_system()->stat(file->node, stat); status != Errno::Success)
            return status;
        return write_filestat(buf, stat);
    }
    Bytes bytes;
    return describe_stdio(context, fd, buf, 16, bytes);
}

// wasi-libc probes fd 3, 4, ... until EBADF: the preopens are the first file descriptors.
Result<Errno> fd_prestat_get(WasiContext& context, u32 fd, Out<records::prestat> buf)
{
    WasiFile* file = context.file(fd);
    if (!file || !file->is_preopen)
        return Errno::BadFileDescriptor;
    Bytes out = TRY(buf.bytes());
    out.fill(0);
    store_le<u32>(out.data() + 4, static_cast<u32>(file->preopen_name.length()));
    return Errno::Success;
}

Result<Errno> fd_prestat_dir_name(WasiContext& context, u32 fd, BytesOut path)
{
    WasiFile* file = context.file(fd);
    if (!file || !file->is_preopen)
        return Errno::BadFileDescriptor;
    StringView name = file->preopen_name;
    if (path.capacity() < name.length())
        return Errno::NameTooLong;
    TRY(path.write(ReadonlyBytes(reinterpret_cast<const u8*>(name.characters()), name.length())));
    return Errno::Success;
}

Result<Errno> fd_advise(WasiContext& context, u32 fd, u64 offset, u64 len, u32 advice)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_advise, file); status != Errno::Success)
        return status;
    if (advice > 5)
        return Errno::Invalid;
    if (file->type == FileType::Directory)
        return Errno::BadFileDescriptor;
    return context.file_system()->advise(file->node, offset, len, static_cast<u8>(advice));
}

Result<Errno> fd_allocate(WasiContext& context, u32 fd, u64 offset, u64 len)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_allocate, file); status != Errno::Success)
        return status;
    return context.file_system()->allocate(file->node, offset, len);
}

Result<Errno> fd_datasync(WasiContext& context, u32 fd)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_datasync, file); status != Errno::Success)
        return status;
    return context.file_system()->sync(file->node, true);
}

Result<Errno> fd_sync(WasiContext& context, u32 fd)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_sync, file); status != Errno::Success)
        return status;
    return context.file_system()->sync(file->node, false);
}

Result<Errno> fd_fdstat_set_flags(WasiContext& context, u32 fd, u32 flags)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_fdstat_set_flags, file); status != Errno::Success)
        return context.is_stdio_open(fd) ? Errno::NotSupported : status;
    if (flags & ~u32(fdflags_all))
        return Errno::Invalid;
    return context.file_system()->set_flags(file->node, static_cast<u16>(flags));
}

// Rights only ever shrink: asking for one not held is ENOTCAPABLE.
Result<Errno> fd_fdstat_set_rights(WasiContext& context, u32 fd, u64 rights_base, u64 rights_inheriting)
{
    WasiFile* file = context.file(fd);
    if (!file)
        return context.is_stdio_open(fd) ? Errno::NotSupported : Errno::BadFileDescriptor;
    if ((rights_base & ~file->rights) || (rights_inheriting & ~file->inheriting))
        return Errno::NotCapable;
    file->rights = rights_base;
    file->inheriting = rights_inheriting;
    return Errno::Success;
}

Result<Errno> fd_filestat_set_size(WasiContext& context, u32 fd, u64 size)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_filestat_set_size, file); status != Errno::Success)
        return status;
    return context.file_system()->set_size(file->node, size);
}

Result<Errno> fd_filestat_set_times(WasiContext& context, u32 fd, u64 atim, u64 mtim, u32 fst_flags)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_filestat_set_times, file); status != Errno::Success)
        return status;
    if (!valid_fstflags(fst_flags))
        return Errno::Invalid;
    return context.file_system()->set_times(file->node, TimeUpdate { atim, mtim, static_cast<u16>(fst_flags) });
}

Result<Errno> fd_pread(WasiContext& context, u32 fd, InArray<records::iovec> iovs, u32 iovs_len, u64 offset, Out<u32> nread)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_read | wasi_rights::fd_seek, file); status != Errno::Success)
        return context.is_stdio_open(fd) ? Errno::SeekPipe : status;
    return transfer_file<Bytes>(context, *file, iovs, iovs_len, offset, nread);
}

Result<Errno> fd_pwrite(WasiContext& context, u32 fd, InArray<records::ciovec> iovs, u32 iovs_len, u64 offset, Out<u32> nwritten)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_write | wasi_rights::fd_seek, file); status != Errno::Success)
        return context.is_stdio_open(fd) ? Errno::SeekPipe : status;
    return transfer_file<ReadonlyBytes>(context, *file, iovs, iovs_len, offset, nwritten);
}

Result<Errno> fd_readdir(WasiContext& context, u32 fd, BytesOut buf, u64 cookie, Out<u32> bufused)
{
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_readdir, file); status != Errno::Success)
        return status;
    if (file->type != FileType::Directory)
        return Errno::NotDirectory;
    Bytes buffer = TRY(buf.view());
    TRY(bufused.check());
    DirentWriter writer(buffer);
    if (Errno status = context.file_system()->read_directory(file->node, cookie, writer); status != Errno::Success)
        return status;
    TRY(bufused.write(static_cast<u32>(writer.used())));
    return Errno::Success;
}

Result<Errno> fd_renumber(WasiContext& context, u32 fd, u32 to)
{
    return context.renumber(fd, to);
}

Result<Errno> path_open(WasiContext& context, u32 fd, u32 dirflags, BytesIn path, u32 oflags, u64 rights_base, u64 rights_inheriting,
    u32 fdflags, Out<u32> opened_fd)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_open, path, directory, name)); status != Errno::Success)
        return status;
    TRY(opened_fd.check());
    if (oflags & ~u32(oflag_create | oflag_directory | oflag_exclusive | oflag_truncate))
        return Errno::Invalid;
    if (fdflags & ~u32(fdflags_all))
        return Errno::Invalid;
    if ((oflags & oflag_create) && !(directory->rights & wasi_rights::path_create_file))
        return Errno::NotCapable;
    if ((oflags & oflag_truncate) && !(directory->rights & wasi_rights::path_filestat_set_size))
        return Errno::NotCapable;
    // The new descriptor holds what was asked for and the directory passes on, nothing more.
    u64 base = rights_base & directory->inheriting;
    u64 inheriting = rights_inheriting & directory->inheriting;
    OpenRequest request;
    request.follow_symlinks = (dirflags & lookup_symlink_follow) != 0;
    request.create = (oflags & oflag_create) != 0;
    request.directory = (oflags & oflag_directory) != 0;
    request.exclusive = (oflags & oflag_exclusive) != 0;
    request.truncate = (oflags & oflag_truncate) != 0;
    request.read = (base & (wasi_rights::fd_read | wasi_rights::fd_readdir)) != 0;
    request.write = (base & (wasi_rights::fd_write | wasi_rights::fd_datasync | wasi_rights::fd_allocate | wasi_rights::fd_filestat_set_size)) != 0
        || (fdflags & fdflag_append);
    request.fd_flags = static_cast<u16>(fdflags);
    OpenedNode opened;
    if (Errno status = context.file_system()->open_at(directory->node, name.view(), request, opened); status != Errno::Success)
        return status;
    WasiFile file;
    file.node = opened.node;
    file.type = opened.type;
    file.rights = base & (opened.type == FileType::Directory ? wasi_rights::directory : wasi_rights::regular_file);
    file.inheriting = inheriting;
    u32 new_fd = 0;
    if (Errno status = context.add_file(move(file), new_fd); status != Errno::Success) {
        context.file_system()->close(opened.node);
        return status;
    }
    if (auto written = opened_fd.write(new_fd); written.is_error()) {
        context.close_file(new_fd);
        return errno_from(written.error());
    }
    return Errno::Success;
}

Result<Errno> path_filestat_get(WasiContext& context, u32 fd, u32 flags, BytesIn path, Out<records::filestat> buf)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_filestat_get, path, directory, name)); status != Errno::Success)
        return status;
    TRY(buf.check());
    FileStat stat;
    if (Errno status = context.file_system()->stat_at(directory->node, name.view(), flags & lookup_symlink_follow, stat); status != Errno::Success)
        return status;
    return write_filestat(buf, stat);
}

Result<Errno> path_filestat_set_times(WasiContext& context, u32 fd, u32 flags, BytesIn path, u64 atim, u64 mtim, u32 fst_flags)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_filestat_set_times, path, directory, name)); status != Errno::Success)
        return status;
    if (!valid_fstflags(fst_flags))
        return Errno::Invalid;
    return context.file_system()->set_times_at(directory->node, name.view(), flags & lookup_symlink_follow,
        TimeUpdate { atim, mtim, static_cast<u16>(fst_flags) });
}

Result<Errno> path_create_directory(WasiContext& context, u32 fd, BytesIn path)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_create_directory, path, directory, name)); status != Errno::Success)
        return status;
    return context.file_system()->create_directory(directory->node, name.view());
}

Result<Errno> path_remove_directory(WasiContext& context, u32 fd, BytesIn path)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_remove_directory, path, directory, name)); status != Errno::Success)
        return status;
    return context.file_system()->remove_directory(directory->node, name.view());
}

Result<Errno> path_unlink_file(WasiContext& context, u32 fd, BytesIn path)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_unlink_file, path, directory, name)); status != Errno::Success)
        return status;
    return context.file_system()->unlink_file(directory->node, name.view());
}

Result<Errno> path_rename(WasiContext& context, u32 fd, BytesIn old_path, u32 new_fd, BytesIn new_path)
{
    WasiFile* source;
    WasiFile* target;
    PathBuffer old_name, new_name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_rename_source, old_path, source, old_name)); status != Errno::Success)
        return status;
    if (Errno status = TRY(directory_and_path(context, new_fd, wasi_rights::path_rename_target, new_path, target, new_name)); status != Errno::Success)
        return status;
    return context.file_system()->rename(source->node, old_name.view(), target->node, new_name.view());
}

Result<Errno> path_link(WasiContext& context, u32 old_fd, u32 old_flags, BytesIn old_path, u32 new_fd, BytesIn new_path)
{
    WasiFile* source;
    WasiFile* target;
    PathBuffer old_name, new_name;
    if (Errno status = TRY(directory_and_path(context, old_fd, wasi_rights::path_link_source, old_path, source, old_name)); status != Errno::Success)
        return status;
    if (Errno status = TRY(directory_and_path(context, new_fd, wasi_rights::path_link_target, new_path, target, new_name)); status != Errno::Success)
        return status;
    return context.file_system()->link(source->node, old_name.view(), old_flags & lookup_symlink_follow, target->node, new_name.view());
}

Result<Errno> path_symlink(WasiContext& context, BytesIn old_path, u32 fd, BytesIn new_path)
{
    WasiFile* directory;
    if (Errno status = directory_with(context, fd, wasi_rights::path_symlink, directory); status != Errno::Success)
        return status;
    PathBuffer target, name;
    if (Errno status = TRY(load_path(old_path, target)); status != Errno::Success)
        return status;
    // A link to an absolute path could never be followed inside a preopen: refused when made.
    if (target.length > 0 && target.text[0] == '/')
        return Errno::NotCapable;
    if (Errno status = TRY(load_path(new_path, name)); status != Errno::Success)
        return status;
    return context.file_system()->symlink(target.view(), directory->node, name.view());
}

Result<Errno> path_readlink(WasiContext& context, u32 fd, BytesIn path, BytesOut buf, Out<u32> bufused)
{
    WasiFile* directory;
    PathBuffer name;
    if (Errno status = TRY(directory_and_path(context, fd, wasi_rights::path_readlink, path, directory, name)); status != Errno::Success)
        return status;
    Bytes buffer = TRY(buf.view());
    TRY(bufused.check());
    usize length = 0;
    if (Errno status = context.file_system()->read_link(directory->node, name.view(), buffer, length); status != Errno::Success)
        return status;
    TRY(bufused.write(static_cast<u32>(length)));
    return Errno::Success;
}

Result<Errno> fd_read(WasiContext& context, u32 fd, InArray<records::iovec> iovs, u32 iovs_len, Out<u32> nread)
{
    if (context.file(fd)) {
        WasiFile* file;
        if (Errno status = file_with(context, fd, wasi_rights::fd_read, file); status != Errno::Success)
            return status;
        return transfer_file<Bytes>(context, *file, iovs, iovs_len, {}, nread);
    }
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

// fd_seek needs FD_SEEK, except the position query (offset 0 from the current position), which
// FD_TELL allows.
Result<Errno> fd_seek(WasiContext& context, u32 fd, i64 offset, u32 whence, Out<u64> newoffset)
{
    if (!context.file(fd))
        return context.is_stdio_open(fd) ? Errno::SeekPipe : Errno::BadFileDescriptor;
    bool tell_only = offset == 0 && whence == static_cast<u32>(Whence::Current);
    WasiFile* file;
    if (Errno status = file_with(context, fd, tell_only ? wasi_rights::fd_tell : wasi_rights::fd_seek, file); status != Errno::Success) {
        if (!tell_only || file_with(context, fd, wasi_rights::fd_seek, file) != Errno::Success)
            return status;
    }
    if (file->type == FileType::Directory)
        return Errno::BadFileDescriptor;
    if (whence > static_cast<u32>(Whence::End))
        return Errno::Invalid;
    TRY(newoffset.check());
    u64 position = 0;
    if (Errno status = context.file_system()->seek(file->node, offset, static_cast<Whence>(whence), position); status != Errno::Success)
        return status;
    TRY(newoffset.write(position));
    return Errno::Success;
}

Result<Errno> fd_tell(WasiContext& context, u32 fd, Out<u64> offset)
{
    if (!context.file(fd))
        return context.is_stdio_open(fd) ? Errno::SeekPipe : Errno::BadFileDescriptor;
    WasiFile* file;
    if (Errno status = file_with(context, fd, wasi_rights::fd_tell, file); status != Errno::Success)
        return status;
    if (file->type == FileType::Directory)
        return Errno::BadFileDescriptor;
    TRY(offset.check());
    u64 position = 0;
    if (Errno status = context.file_system()->seek(file->node, 0, Whence::Current, position); status != Errno::Success)
        return status;
    TRY(offset.write(position));
    return Errno::Success;
}

Result<Errno> fd_write(WasiContext& context, u32 fd, InArray<records::ciovec> iovs, u32 iovs_len, Out<u32> nwritten)
{
    if (context.file(fd)) {
        WasiFile* file;
        if (Errno status = file_with(context, fd, wasi_rights::fd_write, file); status != Errno::Success)
            return status;
        return transfer_file<ReadonlyBytes>(context, *file, iovs, iovs_len, {}, nwritten);
    }
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
        else if (subscription.tag == event_fd_read && readable_stream(context, subscription.fd))
            input = readable_stream(context, subscription.fd);
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
        } else if (subscription.tag == event_fd_read && readable_stream(context, subscription.fd) && !has_input) {
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

// No sockets exist: a descriptor that is open is not one.
Result<Errno> sock_shutdown(WasiContext& context, u32 fd, u32)
{
    return context.file(fd) || context.is_stdio_open(fd) ? Errno::NotSocket : Errno::BadFileDescriptor;
}

Result<Errno> random_get(WasiContext& context, BytesOut buf)
{
    Bytes buffer = TRY(buf.view());
    TRY(context.services().fill_random(buffer));
    return Errno::Success;
}

} // namespace ath::sys::abi::wasi

namespace ath::sys {

WasiContext::WasiContext(HostServices& services, WasiConfig config) : m_services(services), m_config(config)
{
    for (u32 fd = 0; fd < 3; ++fd) {
        if (!config.stdio[fd])
            continue;
        m_files[fd].stream = object::RefPtr<object::Stream>(config.stdio[fd]);
        m_files[fd].in_use = true;
    }
    if (!config.file_system)
        return;
    for (usize i = 0; i < config.preopens.size() && first_file_fd + i < max_files; ++i) {
        WasiFile& file = m_files[first_file_fd + i];
        file.node = config.preopens[i].node;
        file.type = FileType::Directory;
        file.rights = wasi_rights::directory;
        file.inheriting = wasi_rights::directory_inheriting;
        file.preopen_name = config.preopens[i].guest_path;
        file.is_preopen = true;
        file.in_use = true;
    }
}

WasiContext::~WasiContext()
{
    for (u32 fd = 0; fd < max_files; ++fd)
        close_file(fd);
}

WasiFile* WasiContext::file(u32 fd)
{
    if (fd >= max_files)
        return nullptr;
    WasiFile& file = m_files[fd];
    return file.in_use && !file.stream ? &file : nullptr;
}

Errno WasiContext::add_file(WasiFile&& file, u32& fd)
{
    for (u32 i = first_file_fd; i < max_files; ++i) {
        if (m_files[i].in_use)
            continue;
        m_files[i] = move(file);
        m_files[i].in_use = true;
        fd = i;
        return Errno::Success;
    }
    return Errno::TooManyFiles;
}

void WasiContext::close_file(u32 fd)
{
    if (fd >= max_files || !m_files[fd].in_use)
        return;
    if (!m_files[fd].stream)
        m_config.file_system->close(m_files[fd].node);
    m_files[fd] = WasiFile {};
}

Errno WasiContext::renumber(u32 from, u32 to)
{
    if (from >= max_files || to >= max_files || !m_files[from].in_use || !m_files[to].in_use)
        return Errno::BadFileDescriptor;
    if (from == to)
        return Errno::Success;
    close_file(to);
    m_files[to] = move(m_files[from]);
    m_files[from] = WasiFile {};
    return Errno::Success;
}

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
