#include "FatImageFileSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "HostedFileSystem.h"

namespace ath::hosted {

using sys::Errno;
using sys::FileNode;
using sys::FileType;

namespace {

u64 now_ns()
{
    timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<u64>(now.tv_sec) * 1'000'000'000ull + static_cast<u64>(now.tv_nsec);
}

fat::TimeChange time_change(const sys::TimeUpdate& times)
{
    fat::TimeChange change;
    change.set_access = times.flags & (sys::fstflag_atim | sys::fstflag_atim_now);
    change.access_ns = (times.flags & sys::fstflag_atim_now) ? now_ns() : times.access_ns;
    change.set_modify = times.flags & (sys::fstflag_mtim | sys::fstflag_mtim_now);
    change.modify_ns = (times.flags & sys::fstflag_mtim_now) ? now_ns() : times.modify_ns;
    return change;
}

void fill(const fat::NodeStat& from, sys::FileStat& stat)
{
    stat = {};
    stat.device = 0xFA7;
    stat.inode = from.inode;
    stat.type = from.directory ? FileType::Directory : FileType::RegularFile;
    stat.link_count = 1;
    stat.size = from.size;
    stat.access_ns = from.access_ns;
    stat.modify_ns = from.modify_ns;
    stat.change_ns = from.modify_ns; // FAT keeps no change time
}

bool valid_time_flags(u16 flags)
{
    return !((flags & sys::fstflag_atim) && (flags & sys::fstflag_atim_now)) && !((flags & sys::fstflag_mtim) && (flags & sys::fstflag_mtim_now));
}

} // namespace

// --- the image file ---------------------------------------------------------------------------

ImageFileDevice::~ImageFileDevice()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

Errno ImageFileDevice::open(const char* path, bool read_only)
{
    m_fd = ::open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (m_fd < 0)
        return errno_from_linux(errno);
    struct stat status {};
    if (fstat(m_fd, &status) != 0)
        return errno_from_linux(errno);
    m_sectors = static_cast<u64>(status.st_size) / fat::device_sector_size;
    return Errno::Success;
}

namespace {

// All of `buffer` at `sector` through pread or pwrite (short transfers and EINTR retried); Io past
// the image's end or on a failure.
template<typename Buffer, typename Transfer>
Errno transfer_sectors(int fd, u64 sectors, u64 sector, Buffer buffer, Transfer transfer)
{
    if (sector > sectors || buffer.size() / fat::device_sector_size > sectors - sector)
        return Errno::Io;
    usize done = 0;
    while (done < buffer.size()) {
        ssize_t n = transfer(fd, buffer.data() + done, buffer.size() - done, static_cast<off_t>(sector * fat::device_sector_size + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Errno::Io;
        done += static_cast<usize>(n);
    }
    return Errno::Success;
}

} // namespace

Errno ImageFileDevice::read(u64 sector, Bytes buffer) { return transfer_sectors(m_fd, m_sectors, sector, buffer, ::pread); }

Errno ImageFileDevice::write(u64 sector, ReadonlyBytes buffer) { return transfer_sectors(m_fd, m_sectors, sector, buffer, ::pwrite); }

Errno ImageFileDevice::flush() { return fdatasync(m_fd) == 0 ? Errno::Success : Errno::Io; }

// --- the file system --------------------------------------------------------------------------

Errno FatImageFileSystem::create(const char* image_path, bool read_only, FatImageFileSystem*& out)
{
    auto* fs = new FatImageFileSystem;
    if (Errno error = fs->m_device.open(image_path, read_only); error != Errno::Success) {
        delete fs;
        return error;
    }
    fs->m_volume = new fat::Volume;
    fat::MountOptions options;
    options.read_only = read_only;
    options.now_ns = now_ns;
    if (Errno error = fs->m_volume->mount(fs->m_device, options); error != Errno::Success) {
        delete fs;
        return error;
    }
    out = fs;
    return Errno::Success;
}

FatImageFileSystem::~FatImageFileSystem()
{
    if (m_volume) {
        for (auto& d : m_descriptions) {
            if (d.used)
                m_volume->close(d.node);
        }
        (void)m_volume->sync();
        delete m_volume;
    }
}

FatImageFileSystem::Description* FatImageFileSystem::description(FileNode node)
{
    if (node == 0 || node > max_descriptions || !m_descriptions[node - 1].used)
        return nullptr;
    return &m_descriptions[node - 1];
}

Errno FatImageFileSystem::add(fat::NodeId node, u16 flags, FileNode& out)
{
    for (u32 i = 0; i < max_descriptions; ++i) {
        if (!m_descriptions[i].used) {
            m_descriptions[i] = { true, node, 0, flags };
            out = i + 1;
            return Errno::Success;
        }
    }
    m_volume->close(node);
    return Errno::TooManyFiles;
}

Errno FatImageFileSystem::root(FileNode& node)
{
    m_volume->retain(fat::root_node);
    return add(fat::root_node, 0, node);
}

Errno FatImageFileSystem::open_at(FileNode directory, StringView path, const sys::OpenRequest& request, sys::OpenedNode& opened)
{
    Description* dir = description(directory);
    if (!dir)
        return Errno::BadFileDescriptor;
    fat::OpenOptions options;
    options.create = request.create;
    options.exclusive = request.exclusive;
    options.directory = request.directory;
    options.truncate = request.truncate;
    options.write = request.write;
    if ((request.write || request.truncate) && m_volume->is_read_only()) {
        // As open(2) on a read-only mount: ENOENT for a missing name it would not create, else EROFS.
        fat::NodeStat ignored;
        Errno exists = m_volume->stat_at(dir->node, path, ignored);
        if (exists != Errno::Success && (exists != Errno::NoEntry || !request.create))
            return exists;
        return Errno::ReadOnlyFileSystem;
    }
    fat::NodeId node;
    if (Errno error = m_volume->open(dir->node, path, options, node); error != Errno::Success)
        return error;
    FileNode out;
    if (Errno error = add(node, request.fd_flags, out); error != Errno::Success)
        return error;
    opened.node = out;
    opened.type = m_volume->is_directory(node) ? FileType::Directory : FileType::RegularFile;
    return Errno::Success;
}

void FatImageFileSystem::close(FileNode node)
{
    if (Description* d = description(node)) {
        m_volume->close(d->node);
        *d = {};
    }
}

Errno FatImageFileSystem::read(FileNode node, Bytes buffer, usize& done)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    Errno error = m_volume->read(d->node, d->position, buffer, done);
    if (error == Errno::Success)
        d->position += done;
    return error;
}

Errno FatImageFileSystem::write(FileNode node, ReadonlyBytes buffer, usize& done)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    if (d->flags & sys::fdflag_append) {
        fat::NodeStat stat;
        if (Errno error = m_volume->stat(d->node, stat); error != Errno::Success)
            return error;
        d->position = stat.size;
    }
    Errno error = m_volume->write(d->node, d->position, buffer, done);
    if (error == Errno::Success)
        d->position += done;
    return error;
}

Errno FatImageFileSystem::read_at(FileNode node, Bytes buffer, u64 offset, usize& done)
{
    Description* d = description(node);
    return d ? m_volume->read(d->node, offset, buffer, done) : Errno::BadFileDescriptor;
}

Errno FatImageFileSystem::write_at(FileNode node, ReadonlyBytes buffer, u64 offset, usize& done)
{
    Description* d = description(node);
    return d ? m_volume->write(d->node, offset, buffer, done) : Errno::BadFileDescriptor;
}

Errno FatImageFileSystem::seek(FileNode node, i64 offset, sys::Whence whence, u64& position)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    if (m_volume->is_directory(d->node))
        return Errno::BadFileDescriptor;
    i64 base = 0;
    if (whence == sys::Whence::Current) {
        base = static_cast<i64>(d->position);
    } else if (whence == sys::Whence::End) {
        fat::NodeStat stat;
        if (Errno error = m_volume->stat(d->node, stat); error != Errno::Success)
            return error;
        base = static_cast<i64>(stat.size);
    }
    i64 result;
    if (__builtin_add_overflow(base, offset, &result) || result < 0)
        return Errno::Invalid;
    d->position = static_cast<u64>(result);
    position = d->position;
    return Errno::Success;
}

Errno FatImageFileSystem::stat(FileNode node, sys::FileStat& stat)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    fat::NodeStat from;
    if (Errno error = m_volume->stat(d->node, from); error != Errno::Success)
        return error;
    fill(from, stat);
    return Errno::Success;
}

Errno FatImageFileSystem::set_size(FileNode node, u64 size)
{
    Description* d = description(node);
    return d ? m_volume->set_size(d->node, size) : Errno::BadFileDescriptor;
}

Errno FatImageFileSystem::set_times(FileNode node, const sys::TimeUpdate& times)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    if (!valid_time_flags(times.flags))
        return Errno::Invalid;
    return m_volume->set_times(d->node, time_change(times));
}

Errno FatImageFileSystem::sync(FileNode node, bool)
{
    if (!description(node))
        return Errno::BadFileDescriptor;
    return m_volume->is_read_only() ? Errno::Success : m_volume->sync();
}

// FAT has no unwritten extents: allocating is growing the file (with zeros) to offset + length.
Errno FatImageFileSystem::allocate(FileNode node, u64 offset, u64 length)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    if (m_volume->is_directory(d->node))
        return Errno::BadFileDescriptor;
    u64 end;
    if (__builtin_add_overflow(offset, length, &end) || length == 0)
        return Errno::Invalid;
    fat::NodeStat stat;
    if (Errno error = m_volume->stat(d->node, stat); error != Errno::Success)
        return error;
    return end > stat.size ? m_volume->set_size(d->node, end) : Errno::Success;
}

Errno FatImageFileSystem::advise(FileNode node, u64, u64, u8 advice)
{
    if (!description(node))
        return Errno::BadFileDescriptor;
    return advice <= 5 ? Errno::Success : Errno::Invalid;
}

Errno FatImageFileSystem::get_flags(FileNode node, u16& fd_flags)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    fd_flags = d->flags;
    return Errno::Success;
}

Errno FatImageFileSystem::set_flags(FileNode node, u16 fd_flags)
{
    Description* d = description(node);
    if (!d)
        return Errno::BadFileDescriptor;
    constexpr u16 sync_bits = sys::fdflag_dsync | sys::fdflag_sync | sys::fdflag_rsync;
    if ((fd_flags & sync_bits) != (d->flags & sync_bits))
        return Errno::NotSupported;
    d->flags = static_cast<u16>((d->flags & sync_bits) | (fd_flags & (sys::fdflag_append | sys::fdflag_nonblock)));
    return Errno::Success;
}

Errno FatImageFileSystem::read_directory(FileNode directory, u64 cookie, sys::DirectoryVisitor& visitor)
{
    Description* d = description(directory);
    if (!d)
        return Errno::BadFileDescriptor;
    struct Adapter final : fat::DirectoryVisitor {
        sys::DirectoryVisitor& out;
        explicit Adapter(sys::DirectoryVisitor& visitor) : out(visitor) { }
        bool entry(u64 next, u64 inode, bool is_directory, StringView name) override
        {
            return out.entry({ next, inode, is_directory ? FileType::Directory : FileType::RegularFile, name });
        }
    } adapter(visitor);
    return m_volume->read_directory(d->node, cookie, adapter);
}

Errno FatImageFileSystem::stat_at(FileNode directory, StringView path, bool, sys::FileStat& stat)
{
    Description* d = description(directory);
    if (!d)
        return Errno::BadFileDescriptor;
    fat::NodeStat from;
    if (Errno error = m_volume->stat_at(d->node, path, from); error != Errno::Success)
        return error;
    fill(from, stat);
    return Errno::Success;
}

Errno FatImageFileSystem::set_times_at(FileNode directory, StringView path, bool, const sys::TimeUpdate& times)
{
    Description* d = description(directory);
    if (!d)
        return Errno::BadFileDescriptor;
    if (!valid_time_flags(times.flags))
        return Errno::Invalid;
    return m_volume->set_times_at(d->node, path, time_change(times));
}

Errno FatImageFileSystem::create_directory(FileNode directory, StringView path)
{
    Description* d = description(directory);
    return d ? m_volume->create_directory(d->node, path) : Errno::BadFileDescriptor;
}

Errno FatImageFileSystem::remove_directory(FileNode directory, StringView path)
{
    Description* d = description(directory);
    return d ? m_volume->remove_directory(d->node, path) : Errno::BadFileDescriptor;
}

Errno FatImageFileSystem::unlink_file(FileNode directory, StringView path)
{
    Description* d = description(directory);
    return d ? m_volume->unlink(d->node, path) : Errno::BadFileDescriptor;
}

Errno FatImageFileSystem::rename(FileNode directory, StringView path, FileNode new_directory, StringView new_path)
{
    Description* from = description(directory);
    Description* to = description(new_directory);
    if (!from || !to)
        return Errno::BadFileDescriptor;
    return m_volume->rename(from->node, path, to->node, new_path);
}

// POSIX link(2)/symlink(2) on a file system without them: EPERM (what Linux's vfat answers).
Errno FatImageFileSystem::link(FileNode directory, StringView path, bool, FileNode new_directory, StringView)
{
    Description* from = description(directory);
    if (!from || !description(new_directory))
        return Errno::BadFileDescriptor;
    fat::NodeStat stat;
    if (Errno error = m_volume->stat_at(from->node, path, stat); error != Errno::Success)
        return error;
    return Errno::Permission;
}

Errno FatImageFileSystem::symlink(StringView, FileNode directory, StringView)
{
    return description(directory) ? Errno::Permission : Errno::BadFileDescriptor;
}

// No entry on FAT is a symbolic link: EINVAL for one that exists (as readlink(2) on a file).
Errno FatImageFileSystem::read_link(FileNode directory, StringView path, Bytes, usize& length)
{
    Description* d = description(directory);
    if (!d)
        return Errno::BadFileDescriptor;
    length = 0;
    fat::NodeStat stat;
    if (Errno error = m_volume->stat_at(d->node, path, stat); error != Errno::Success)
        return error;
    return Errno::Invalid;
}

} // namespace ath::hosted
