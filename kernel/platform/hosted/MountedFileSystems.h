#pragma once

// Several FileSystems behind the one a WasiContext holds (./azoth exec with --dir and --disk
// together, or several --disk images): each node carries the index of the file system that made
// it in its top byte. A rename or link between two of them is EXDEV, as across Linux mounts.
#include <kernel/platform/FileSystem.h>

namespace ath::hosted {

class MountedFileSystems final : public sys::FileSystem {
public:
    static constexpr u32 max_mounts = 16;

    // Adds a file system (not owned); false when full.
    bool add(sys::FileSystem& file_system, u32& index);
    // A node of mount `index` as this file system's node.
    static sys::FileNode wrap(u32 index, sys::FileNode node) { return (static_cast<u64>(index) << 56) | node; }

    sys::Errno open_at(sys::FileNode directory, StringView path, const sys::OpenRequest& request, sys::OpenedNode& opened) override;
    void close(sys::FileNode node) override;
    sys::Errno read(sys::FileNode node, Bytes buffer, usize& done) override;
    sys::Errno write(sys::FileNode node, ReadonlyBytes buffer, usize& done) override;
    sys::Errno read_at(sys::FileNode node, Bytes buffer, u64 offset, usize& done) override;
    sys::Errno write_at(sys::FileNode node, ReadonlyBytes buffer, u64 offset, usize& done) override;
    sys::Errno seek(sys::FileNode node, i64 offset, sys::Whence whence, u64& position) override;
    sys::Errno stat(sys::FileNode node, sys::FileStat& stat) override;
    sys::Errno set_size(sys::FileNode node, u64 size) override;
    sys::Errno set_times(sys::FileNode node, const sys::TimeUpdate& times) override;
    sys::Errno sync(sys::FileNode node, bool data_only) override;
    sys::Errno allocate(sys::FileNode node, u64 offset, u64 length) override;
    sys::Errno advise(sys::FileNode node, u64 offset, u64 length, u8 advice) override;
    sys::Errno get_flags(sys::FileNode node, u16& fd_flags) override;
    sys::Errno set_flags(sys::FileNode node, u16 fd_flags) override;
    sys::Errno read_directory(sys::FileNode directory, u64 cookie, sys::DirectoryVisitor& visitor) override;
    sys::Errno stat_at(sys::FileNode directory, StringView path, bool follow_symlinks, sys::FileStat& stat) override;
    sys::Errno set_times_at(sys::FileNode directory, StringView path, bool follow_symlinks, const sys::TimeUpdate& times) override;
    sys::Errno create_directory(sys::FileNode directory, StringView path) override;
    sys::Errno remove_directory(sys::FileNode directory, StringView path) override;
    sys::Errno unlink_file(sys::FileNode directory, StringView path) override;
    sys::Errno rename(sys::FileNode directory, StringView path, sys::FileNode new_directory, StringView new_path) override;
    sys::Errno link(sys::FileNode directory, StringView path, bool follow_symlinks, sys::FileNode new_directory, StringView new_path) override;
    sys::Errno symlink(StringView target, sys::FileNode directory, StringView path) override;
    sys::Errno read_link(sys::FileNode directory, StringView path, Bytes buffer, usize& length) override;

private:
    static constexpr u64 node_mask = (u64(1) << 56) - 1;
    sys::FileSystem* mount_of(sys::FileNode node) const
    {
        u64 index = node >> 56;
        return index < m_count ? m_mounts[index] : nullptr;
    }
    static sys::FileNode inner(sys::FileNode node) { return node & node_mask; }

    sys::FileSystem* m_mounts[max_mounts] {};
    u32 m_count { 0 };
};

} // namespace ath::hosted
