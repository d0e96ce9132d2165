#include "MountedFileSystems.h"

namespace ath::hosted {

using sys::Errno;
using sys::FileNode;

bool MountedFileSystems::add(sys::FileSystem& file_system, u32& index)
{
    if (m_count == max_mounts)
        return false;
    index = m_count;
    m_mounts[m_count++] = &file_system;
    return true;
}

// Every call on one node goes to the file system that made it.
#define ATH_FORWARD(node, call)                     \
    sys::FileSystem* mount = mount_of(node);        \
    if (!mount)                                     \
        return Errno::BadFileDescriptor;            \
    return mount->call

Errno MountedFileSystems::open_at(FileNode directory, StringView path, const sys::OpenRequest& request, sys::OpenedNode& opened)
{
    sys::FileSystem* mount = mount_of(directory);
    if (!mount)
        return Errno::BadFileDescriptor;
    Errno error = mount->open_at(inner(directory), path, request, opened);
    if (error == Errno::Success) {
        if (opened.node > node_mask) {
            mount->close(opened.node);
            return Errno::TooManyFiles;
        }
        opened.node = wrap(static_cast<u32>(directory >> 56), opened.node);
    }
    return error;
}

void MountedFileSystems::close(FileNode node)
{
    if (sys::FileSystem* mount = mount_of(node))
        mount->close(inner(node));
}

Errno MountedFileSystems::read(FileNode node, Bytes buffer, usize& done) { ATH_FORWARD(node, read(inner(node), buffer, done)); }
Errno MountedFileSystems::write(FileNode node, ReadonlyBytes buffer, usize& done) { ATH_FORWARD(node, write(inner(node), buffer, done)); }
Errno MountedFileSystems::read_at(FileNode node, Bytes buffer, u64 offset, usize& done) { ATH_FORWARD(node, read_at(inner(node), buffer, offset, done)); }
Errno MountedFileSystems::write_at(FileNode node, ReadonlyBytes buffer, u64 offset, usize& done) { ATH_FORWARD(node, write_at(inner(node), buffer, offset, done)); }
Errno MountedFileSystems::seek(FileNode node, i64 offset, sys::Whence whence, u64& position) { ATH_FORWARD(node, seek(inner(node), offset, whence, position)); }
Errno MountedFileSystems::stat(FileNode node, sys::FileStat& stat) { ATH_FORWARD(node, stat(inner(node), stat)); }
Errno MountedFileSystems::set_size(FileNode node, u64 size) { ATH_FORWARD(node, set_size(inner(node), size)); }
Errno MountedFileSystems::set_times(FileNode node, const sys::TimeUpdate& times) { ATH_FORWARD(node, set_times(inner(node), times)); }
Errno MountedFileSystems::sync(FileNode node, bool data_only) { ATH_FORWARD(node, sync(inner(node), data_only)); }
Errno MountedFileSystems::allocate(FileNode node, u64 offset, u64 length) { ATH_FORWARD(node, allocate(inner(node), offset, length)); }
Errno MountedFileSystems::advise(FileNode node, u64 offset, u64 length, u8 advice) { ATH_FORWARD(node, advise(inner(node), offset, length, advice)); }
Errno MountedFileSystems::get_flags(FileNode node, u16& fd_flags) { ATH_FORWARD(node, get_flags(inner(node), fd_flags)); }
Errno MountedFileSystems::set_flags(FileNode node, u16 fd_flags) { ATH_FORWARD(node, set_flags(inner(node), fd_flags)); }
Errno MountedFileSystems::read_directory(FileNode directory, u64 cookie, sys::DirectoryVisitor& visitor) { ATH_FORWARD(directory, read_directory(inner(directory), cookie, visitor)); }
Errno MountedFileSystems::stat_at(FileNode directory, StringView path, bool follow, sys::FileStat& stat) { ATH_FORWARD(directory, stat_at(inner(directory), path, follow, stat)); }
Errno MountedFileSystems::set_times_at(FileNode directory, StringView path, bool follow, const sys::TimeUpdate& times) { ATH_FORWARD(directory, set_times_at(inner(directory), path, follow, times)); }
Errno MountedFileSystems::create_directory(FileNode directory, StringView path) { ATH_FORWARD(directory, create_directory(inner(directory), path)); }
Errno MountedFileSystems::remove_directory(FileNode directory, StringView path) { ATH_FORWARD(directory, remove_directory(inner(directory), path)); }
Errno MountedFileSystems::unlink_file(FileNode directory, StringView path) { ATH_FORWARD(directory, unlink_file(inner(directory), path)); }
Errno MountedFileSystems::symlink(StringView target, FileNode directory, StringView path) { ATH_FORWARD(directory, symlink(target, inner(directory), path)); }
Errno MountedFileSystems::read_link(FileNode directory, StringView path, Bytes buffer, usize& length) { ATH_FORWARD(directory, read_link(inner(directory), path, buffer, length)); }

Errno MountedFileSystems::rename(FileNode directory, StringView path, FileNode new_directory, StringView new_path)
{
    if (!mount_of(new_directory))
        return Errno::BadFileDescriptor;
    if (directory >> 56 != new_directory >> 56)
        return Errno::CrossDevice;
    ATH_FORWARD(directory, rename(inner(directory), path, inner(new_directory), new_path));
}

Errno MountedFileSystems::link(FileNode directory, StringView path, bool follow, FileNode new_directory, StringView new_path)
{
    if (!mount_of(new_directory))
        return Errno::BadFileDescriptor;
    if (directory >> 56 != new_directory >> 56)
        return Errno::CrossDevice;
    ATH_FORWARD(directory, link(inner(directory), path, follow, inner(new_directory), new_path));
}

#undef ATH_FORWARD

} // namespace ath::hosted
