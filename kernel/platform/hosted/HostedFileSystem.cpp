#include "HostedFileSystem.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ath::hosted {

using sys::Errno;
using sys::FileNode;
using sys::FileType;

namespace {

// A path as Linux wants it: NUL-terminated. The WASI layer hands over at most PATH_MAX - 1 bytes
// without NUL; longer is refused here too.
constexpr usize path_capacity = 4096;

struct CPath {
    char text[path_capacity];
};

Errno to_c_path(StringView path, CPath& out)
{
    if (path.length() >= path_capacity)
        return Errno::NameTooLong;
    for (usize i = 0; i < path.length(); ++i) {
        if (path[i] == 0)
            return Errno::Invalid;
        out.text[i] = path[i];
    }
    out.text[path.length()] = 0;
    return Errno::Success;
}

int as_fd(FileNode node) { return static_cast<int>(node); }

Errno last_error() { return errno_from_linux(errno); }

// One read/write/pread/pwrite: retried when a signal interrupted it, the byte count in `done`.
template<typename Call>
Errno transferred(Call&& call, usize& done)
{
    ssize_t n;
    while ((n = call()) < 0 && errno == EINTR) { }
    if (n < 0)
        return last_error();
    done = static_cast<usize>(n);
    return Errno::Success;
}

// The one way a path given by a module is resolved: below `directory`, never above it, through no
// /proc magic link. Returns the new fd or -1 with errno set.
int confined_open(int directory, const char* path, u64 flags, u64 mode)
{
    open_how how {};
    how.flags = flags | O_CLOEXEC;
    how.mode = mode;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (;;) {
        long fd = syscall(SYS_openat2, directory, path, &how, sizeof(how));
        // EAGAIN: a rename raced the resolution (the kernel asks to retry).
        if (fd < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        return static_cast<int>(fd);
    }
}

// A path split into its parent directory, opened confined (O_PATH), and its last component (with
// any trailing slashes, which Linux then checks: "file/" is ENOTDIR).
class ParentAndName {
public:
    ~ParentAndName()
    {
        if (m_parent >= 0)
            ::close(m_parent);
    }

    Errno open(int directory, StringView path)
    {
        if (path.is_empty())
            return Errno::NoEntry;
        usize end = path.length();
        while (end > 0 && path[end - 1] == '/')
            --end;
        if (end == 0) // "/" or "///": the root of the host, never below the directory
            return Errno::NotCapable;
        usize start = end;
        while (start > 0 && path[start - 1] != '/')
            --start;
        CPath parent;
        if (start == 0) {
            parent.text[0] = '.';
            parent.text[1] = 0;
        } else if (Errno status = to_c_path(path.substring(0, start), parent); status != Errno::Success) {
            return status;
        }
        if (Errno status = to_c_path(path.substring(start), m_name); status != Errno::Success)
            return status;
        StringView bare = path.substring(start, end - start);
        m_is_dot = bare == StringView(".") || bare == StringView("..");
        m_parent = confined_open(directory, parent.text, O_PATH | O_DIRECTORY, 0);
        return m_parent < 0 ? last_error() : Errno::Success;
    }

    int parent() const { return m_parent; }
    const char* name() const { return m_name.text; }
    // The last component is `.` or `..`: it names the parent or its parent, not an entry.
    bool is_dot() const { return m_is_dot; }

private:
    int m_parent { -1 };
    CPath m_name;
    bool m_is_dot { false };
};

// An fd of a confined resolution, closed at scope end.
class ScopedFd {
public:
    explicit ScopedFd(int fd) : m_fd(fd) { }
    ~ScopedFd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }

private:
    int m_fd;
};

FileType type_from_mode(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return FileType::RegularFile;
    case S_IFDIR: return FileType::Directory;
    case S_IFLNK: return FileType::SymbolicLink;
    case S_IFCHR: return FileType::CharacterDevice;
    case S_IFBLK: return FileType::BlockDevice;
    case S_IFSOCK: return FileType::SocketStream;
    default: return FileType::Unknown;
    }
}

FileType type_from_dirent(u8 type)
{
    switch (type) {
    case DT_REG: return FileType::RegularFile;
    case DT_DIR: return FileType::Directory;
    case DT_LNK: return FileType::SymbolicLink;
    case DT_CHR: return FileType::CharacterDevice;
    case DT_BLK: return FileType::BlockDevice;
    case DT_SOCK: return FileType::SocketStream;
    default: return FileType::Unknown;
    }
}

u64 nanoseconds(const timespec& time) { return static_cast<u64>(time.tv_sec) * 1'000'000'000ull + static_cast<u64>(time.tv_nsec); }

void fill_stat(const struct stat& from, sys::FileStat& stat)
{
    stat.device = from.st_dev;
    stat.inode = from.st_ino;
    stat.type = type_from_mode(from.st_mode);
    stat.link_count = from.st_nlink;
    stat.size = static_cast<u64>(from.st_size);
    stat.access_ns = nanoseconds(from.st_atim);
    stat.modify_ns = nanoseconds(from.st_mtim);
    stat.change_ns = nanoseconds(from.st_ctim);
}

void to_timespecs(const sys::TimeUpdate& times, timespec (&out)[2])
{
    auto one = [](u64 value, bool set, bool now) {
        if (now)
            return timespec { 0, UTIME_NOW };
        if (!set)
            return timespec { 0, UTIME_OMIT };
        return timespec { static_cast<time_t>(value / 1'000'000'000ull), static_cast<long>(value % 1'000'000'000ull) };
    };
    out[0] = one(times.access_ns, times.flags & sys::fstflag_atim, times.flags & sys::fstflag_atim_now);
    out[1] = one(times.modify_ns, times.flags & sys::fstflag_mtim, times.flags & sys::fstflag_mtim_now);
}

// Sets times on a file an O_PATH fd names (futimens refuses O_PATH fds; its /proc link does not).
Errno set_times_through_proc(int fd, const timespec (&times)[2])
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    return utimensat(AT_FDCWD, link, times, 0) == 0 ? Errno::Success : last_error();
}

} // namespace

Errno errno_from_linux(int error)
{
    switch (error) {
    case 0: return Errno::Success;
    case E2BIG: return Errno::TooBig;
    case EACCES: return Errno::Access;
    case EAGAIN: return Errno::Again;
    case EBADF: return Errno::BadFileDescriptor;
    case EBUSY: return Errno::Busy;
    case EEXIST: return Errno::Exists;
    case EFAULT: return Errno::Fault;
    case EFBIG: return Errno::FileTooBig;
    case EILSEQ: return Errno::IllegalSequence;
    case EINTR: return Errno::Interrupted;
    case EINVAL: return Errno::Invalid;
    case EISDIR: return Errno::IsDirectory;
    case ELOOP: return Errno::Loop;
    case EMFILE:
    case ENFILE: return Errno::TooManyFiles;
    case EMLINK: return Errno::TooManyLinks;
    case ENAMETOOLONG: return Errno::NameTooLong;
    case ENODEV:
    case ENXIO: return Errno::NoDevice;
    case ENOENT: return Errno::NoEntry;
    case ENOMEM: return Errno::NoMemory;
    case ENOSPC:
    case EDQUOT: return Errno::NoSpace;
    case ENOSYS: return Errno::NoSys;
    case ENOTDIR: return Errno::NotDirectory;
    case ENOTEMPTY: return Errno::NotEmpty;
    case EOPNOTSUPP: return Errno::NotSupported;
    case ENOTTY: return Errno::NoTty;
    case EOVERFLOW: return Errno::Overflow;
    case EPERM: return Errno::Permission;
    case EPIPE: return Errno::Pipe;
    case ERANGE: return Errno::Range;
    case EROFS: return Errno::ReadOnlyFileSystem;
    case ESPIPE: return Errno::SeekPipe;
    case ETIMEDOUT: return Errno::TimedOut;
    case ETXTBSY: return Errno::TextBusy;
    // openat2 with RESOLVE_BENEATH: the path would leave the directory (`..` above it, an
    // absolute path or symbolic link).
    case EXDEV: return Errno::NotCapable;
    default: return Errno::Io;
    }
}

Errno HostedFileSystem::open_directory(const char* host_path, FileNode& node)
{
    int fd = ::open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return last_error();
    node = static_cast<FileNode>(fd);
    return Errno::Success;
}

Errno HostedFileSystem::open_at(FileNode directory, StringView path, const sys::OpenRequest& request, sys::OpenedNode& opened)
{
    CPath name;
    if (Errno status = to_c_path(path, name); status != Errno::Success)
        return status;
    u64 flags = request.write ? (request.read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (request.create)
        flags |= O_CREAT;
    if (request.exclusive)
        flags |= O_EXCL;
    if (request.truncate)
        flags |= O_TRUNC;
    if (request.directory)
        flags |= O_DIRECTORY;
    if (!request.follow_symlinks)
        flags |= O_NOFOLLOW;
    if (request.fd_flags & sys::fdflag_append)
        flags |= O_APPEND;
    if (request.fd_flags & sys::fdflag_nonblock)
        flags |= O_NONBLOCK;
    if (request.fd_flags & sys::fdflag_dsync)
        flags |= O_DSYNC;
    if (request.fd_flags & (sys::fdflag_sync | sys::fdflag_rsync))
        flags |= O_SYNC;
    int fd = confined_open(as_fd(directory), name.text, flags, request.create ? 0666 : 0);
    if (fd < 0)
        return last_error();
    struct stat status {};
    if (fstat(fd, &status) != 0) {
        Errno error = last_error();
        ::close(fd);
        return error;
    }
    opened.node = static_cast<FileNode>(fd);
    opened.type = type_from_mode(status.st_mode);
    return Errno::Success;
}

void HostedFileSystem::close(FileNode node) { ::close(as_fd(node)); }

Errno HostedFileSystem::read(FileNode node, Bytes buffer, usize& done)
{
    return transferred([&] { return ::read(as_fd(node), buffer.data(), buffer.size()); }, done);
}

Errno HostedFileSystem::write(FileNode node, ReadonlyBytes buffer, usize& done)
{
    return transferred([&] { return ::write(as_fd(node), buffer.data(), buffer.size()); }, done);
}

Errno HostedFileSystem::read_at(FileNode node, Bytes buffer, u64 offset, usize& done)
{
    if (offset > static_cast<u64>(INT64_MAX))
        return Errno::Invalid;
    return transferred([&] { return ::pread(as_fd(node), buffer.data(), buffer.size(), static_cast<off_t>(offset)); }, done);
}

Errno HostedFileSystem::write_at(FileNode node, ReadonlyBytes buffer, u64 offset, usize& done)
{
    if (offset > static_cast<u64>(INT64_MAX))
        return Errno::Invalid;
    return transferred([&] { return ::pwrite(as_fd(node), buffer.data(), buffer.size(), static_cast<off_t>(offset)); }, done);
}

Errno HostedFileSystem::seek(FileNode node, i64 offset, sys::Whence whence, u64& position)
{
    int how = whence == sys::Whence::Set ? SEEK_SET : whence == sys::Whence::Current ? SEEK_CUR : SEEK_END;
    off_t result = lseek(as_fd(node), offset, how);
    if (result < 0)
        return last_error();
    position = static_cast<u64>(result);
    return Errno::Success;
}

Errno HostedFileSystem::stat(FileNode node, sys::FileStat& stat)
{
    struct stat status {};
    if (fstat(as_fd(node), &status) != 0)
        return last_error();
    fill_stat(status, stat);
    return Errno::Success;
}

Errno HostedFileSystem::set_size(FileNode node, u64 size)
{
    if (size > static_cast<u64>(INT64_MAX))
        return Errno::Invalid;
    return ftruncate(as_fd(node), static_cast<off_t>(size)) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::set_times(FileNode node, const sys::TimeUpdate& times)
{
    timespec values[2];
    to_timespecs(times, values);
    return futimens(as_fd(node), values) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::sync(FileNode node, bool data_only)
{
    int result = data_only ? fdatasync(as_fd(node)) : fsync(as_fd(node));
    return result == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::allocate(FileNode node, u64 offset, u64 length)
{
    if (offset > static_cast<u64>(INT64_MAX) || length > static_cast<u64>(INT64_MAX))
        return Errno::Invalid;
    return errno_from_linux(posix_fallocate(as_fd(node), static_cast<off_t>(offset), static_cast<off_t>(length)));
}

Errno HostedFileSystem::advise(FileNode node, u64 offset, u64 length, u8 advice)
{
    static constexpr int advices[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM, POSIX_FADV_WILLNEED,
        POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    if (advice >= sizeof(advices) / sizeof(advices[0]) || offset > static_cast<u64>(INT64_MAX) || length > static_cast<u64>(INT64_MAX))
        return Errno::Invalid;
    return errno_from_linux(posix_fadvise(as_fd(node), static_cast<off_t>(offset), static_cast<off_t>(length), advices[advice]));
}

Errno HostedFileSystem::get_flags(FileNode node, u16& fd_flags)
{
    int flags = fcntl(as_fd(node), F_GETFL);
    if (flags < 0)
        return last_error();
    fd_flags = 0;
    if (flags & O_APPEND)
        fd_flags |= sys::fdflag_append;
    if (flags & O_NONBLOCK)
        fd_flags |= sys::fdflag_nonblock;
    if ((flags & O_SYNC) == O_SYNC)
        fd_flags |= sys::fdflag_sync;
    else if (flags & O_DSYNC)
        fd_flags |= sys::fdflag_dsync;
    return Errno::Success;
}

// Linux changes O_APPEND and O_NONBLOCK on an open file and silently ignores the sync flags: asking
// to change those is ENOTSUP rather than a success that did nothing.
Errno HostedFileSystem::set_flags(FileNode node, u16 fd_flags)
{
    u16 current = 0;
    if (Errno status = get_flags(node, current); status != Errno::Success)
        return status;
    constexpr u16 sync_bits = sys::fdflag_dsync | sys::fdflag_sync | sys::fdflag_rsync;
    if ((fd_flags & sync_bits) != (current & sync_bits))
        return Errno::NotSupported;
    int flags = fcntl(as_fd(node), F_GETFL);
    if (flags < 0)
        return last_error();
    flags &= ~(O_APPEND | O_NONBLOCK);
    if (fd_flags & sys::fdflag_append)
        flags |= O_APPEND;
    if (fd_flags & sys::fdflag_nonblock)
        flags |= O_NONBLOCK;
    return fcntl(as_fd(node), F_SETFL, flags) == 0 ? Errno::Success : last_error();
}

// Cookies are Linux's own directory offsets (d_off): 0 is the start, each entry's d_off continues
// after it, whatever happens to the fd's position in between.
Errno HostedFileSystem::read_directory(FileNode directory, u64 cookie, sys::DirectoryVisitor& visitor)
{
    int fd = as_fd(directory);
    if (cookie > static_cast<u64>(INT64_MAX))
        return Errno::Invalid;
    if (lseek(fd, static_cast<off_t>(cookie), SEEK_SET) < 0)
        return last_error();
    alignas(8) u8 buffer[4096];
    for (;;) {
        long count = syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
        if (count < 0)
            return last_error();
        if (count == 0)
            return Errno::Success;
        for (long at = 0; at < count;) {
            u64 inode;
            i64 next;
            u16 length;
            memcpy(&inode, buffer + at, 8);
            memcpy(&next, buffer + at + 8, 8);
            memcpy(&length, buffer + at + 16, 2);
            u8 type = buffer[at + 18];
            const char* name = reinterpret_cast<const char*>(buffer + at + 19);
            sys::DirectoryEntry entry;
            entry.next = static_cast<u64>(next);
            entry.inode = inode;
            entry.type = type_from_dirent(type);
            entry.name = StringView(name, strlen(name));
            if (entry.type == FileType::Unknown) {
                struct stat status {};
                if (fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) == 0)
                    entry.type = type_from_mode(status.st_mode);
            }
            if (!visitor.entry(entry))
                return Errno::Success;
            at += length;
        }
    }
}

Errno HostedFileSystem::stat_at(FileNode directory, StringView path, bool follow_symlinks, sys::FileStat& stat)
{
    CPath name;
    if (Errno status = to_c_path(path, name); status != Errno::Success)
        return status;
    ScopedFd fd(confined_open(as_fd(directory), name.text, O_PATH | (follow_symlinks ? 0 : O_NOFOLLOW), 0));
    if (fd.get() < 0)
        return last_error();
    struct stat status {};
    if (fstatat(fd.get(), "", &status, AT_EMPTY_PATH) != 0)
        return last_error();
    fill_stat(status, stat);
    return Errno::Success;
}

Errno HostedFileSystem::set_times_at(FileNode directory, StringView path, bool follow_symlinks, const sys::TimeUpdate& times)
{
    timespec values[2];
    to_timespecs(times, values);
    ParentAndName target;
    if (Errno status = target.open(as_fd(directory), path); status != Errno::Success)
        return status;
    // Following a link, or `.`/`..` (which utimensat on the parent would resolve by itself, maybe
    // above the directory): resolve the whole path confined and set the times on what it names.
    if (follow_symlinks || target.is_dot()) {
        CPath name;
        if (Errno status = to_c_path(path, name); status != Errno::Success)
            return status;
        ScopedFd fd(confined_open(as_fd(directory), name.text, O_PATH | (follow_symlinks ? 0 : O_NOFOLLOW), 0));
        if (fd.get() < 0)
            return last_error();
        return set_times_through_proc(fd.get(), values);
    }
    return utimensat(target.parent(), target.name(), values, AT_SYMLINK_NOFOLLOW) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::create_directory(FileNode directory, StringView path)
{
    ParentAndName target;
    if (Errno status = target.open(as_fd(directory), path); status != Errno::Success)
        return status;
    return mkdirat(target.parent(), target.name(), 0777) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::remove_directory(FileNode directory, StringView path)
{
    ParentAndName target;
    if (Errno status = target.open(as_fd(directory), path); status != Errno::Success)
        return status;
    return unlinkat(target.parent(), target.name(), AT_REMOVEDIR) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::unlink_file(FileNode directory, StringView path)
{
    ParentAndName target;
    if (Errno status = target.open(as_fd(directory), path); status != Errno::Success)
        return status;
    return unlinkat(target.parent(), target.name(), 0) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::rename(FileNode directory, StringView path, FileNode new_directory, StringView new_path)
{
    ParentAndName source, target;
    if (Errno status = source.open(as_fd(directory), path); status != Errno::Success)
        return status;
    if (Errno status = target.open(as_fd(new_directory), new_path); status != Errno::Success)
        return status;
    if (renameat(source.parent(), source.name(), target.parent(), target.name()) == 0)
        return Errno::Success;
    return errno == EXDEV ? Errno::CrossDevice : last_error();
}

Errno HostedFileSystem::link(FileNode directory, StringView path, bool follow_symlinks, FileNode new_directory, StringView new_path)
{
    ParentAndName source, target;
    if (Errno status = source.open(as_fd(directory), path); status != Errno::Success)
        return status;
    if (Errno status = target.open(as_fd(new_directory), new_path); status != Errno::Success)
        return status;
    int result;
    int error = 0;
    if (follow_symlinks) {
        // Follow confined, then link what the resolution found through its /proc link.
        CPath name;
        if (Errno status = to_c_path(path, name); status != Errno::Success)
            return status;
        ScopedFd fd(confined_open(as_fd(directory), name.text, O_PATH, 0));
        if (fd.get() < 0)
            return last_error();
        char link[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd.get());
        result = linkat(AT_FDCWD, link, target.parent(), target.name(), AT_SYMLINK_FOLLOW);
        error = errno; // before the fd's close
    } else {
        result = linkat(source.parent(), source.name(), target.parent(), target.name(), 0);
        error = errno;
    }
    if (result == 0)
        return Errno::Success;
    return error == EXDEV ? Errno::CrossDevice : errno_from_linux(error);
}

// The target is stored as given: following it later is confined like any other path.
Errno HostedFileSystem::symlink(StringView target_path, FileNode directory, StringView path)
{
    CPath target_text;
    if (Errno status = to_c_path(target_path, target_text); status != Errno::Success)
        return status;
    ParentAndName target;
    if (Errno status = target.open(as_fd(directory), path); status != Errno::Success)
        return status;
    return symlinkat(target_text.text, target.parent(), target.name()) == 0 ? Errno::Success : last_error();
}

Errno HostedFileSystem::read_link(FileNode directory, StringView path, Bytes buffer, usize& length)
{
    CPath name;
    if (Errno status = to_c_path(path, name); status != Errno::Success)
        return status;
    ScopedFd fd(confined_open(as_fd(directory), name.text, O_PATH | O_NOFOLLOW, 0));
    if (fd.get() < 0)
        return last_error();
    struct stat status {};
    if (fstatat(fd.get(), "", &status, AT_EMPTY_PATH) != 0)
        return last_error();
    if (!S_ISLNK(status.st_mode))
        return Errno::Invalid;
    ssize_t n = readlinkat(fd.get(), "", reinterpret_cast<char*>(buffer.data()), buffer.size());
    if (n < 0)
        return last_error();
    length = static_cast<usize>(n);
    return Errno::Success;
}

} // namespace ath::hosted
