#pragma once

// The FileSystem seam (kernel/platform/FileSystem.h) over a FAT disk image, for ./azoth exec
// --disk: the image file is the block device (ImageFileDevice) and storage/fat's Volume is the file
// system — the same library the storage service module will run booted. A FileNode is an open
// description here (the Volume's node, a position, the append flag); the volume's root directory
// is what root() opens to preopen. Confinement is the Volume's: paths resolve below the directory
// node, `..` above it is ENOTCAPABLE, and FAT has no links to follow.
//
// What FAT cannot represent is answered as on Linux's vfat: link and symlink EPERM, readlink
// EINVAL (no entry is a link), times kept to 2 s (access: to the day), no permissions.
#include <kernel/platform/FileSystem.h>
#include <storage/fat/Volume.h>

namespace ath::hosted {

// A host file as 512-byte sectors; flush is fdatasync (the order the Volume relies on holds
// across a host crash too).
class ImageFileDevice final : public fat::BlockDevice {
public:
    ~ImageFileDevice();
    sys::Errno open(const char* path, bool read_only);
    u64 sector_count() const override { return m_sectors; }
    sys::Errno read(u64 sector, Bytes buffer) override;
    sys::Errno write(u64 sector, ReadonlyBytes buffer) override;
    sys::Errno flush() override;

private:
    int m_fd { -1 };
    u64 m_sectors { 0 };
};

class FatImageFileSystem final : public sys::FileSystem {
public:
    // Mounts the FAT volume of the image (whole disk or first FAT partition); EINVAL when it has
    // none, the mount's errors otherwise. A volume found inconsistent is mounted read-only.
    static sys::Errno create(const char* image_path, bool read_only, FatImageFileSystem*& out);
    ~FatImageFileSystem();

    // A new node for the volume's root directory (to preopen).
    sys::Errno root(sys::FileNode& node);
    fat::Volume& volume() { return *m_volume; }

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
    FatImageFileSystem() = default;
    struct Description {
        bool used { false };
        fat::NodeId node { 0 };
        u64 position { 0 };
        u16 flags { 0 };
    };
    static constexpr u32 max_descriptions = 256;
    Description* description(sys::FileNode node);
    sys::Errno add(fat::NodeId node, u16 flags, sys::FileNode& out);

    ImageFileDevice m_device;
    fat::Volume* m_volume { nullptr };
    Description m_descriptions[max_descriptions];
};

} // namespace ath::hosted
