#pragma once

// The FileSystem seam (kernel/platform/FileSystem.h) over Linux, for ./azoth exec --dir: a node is
// a Linux fd. Confinement: every path is resolved by openat2(2) with RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS below the directory node, so `..`, absolute paths and symbolic links
// (whatever their target) cannot leave it (EXDEV from Linux becomes ENOTCAPABLE). Operations on a
// name (mkdir, unlink, rename, symlink, link, utimes without following) open the parent
// directory that way and then act on the last component alone, which is a single name: it can
// only be `.`/`..` (refused where they would act outside: see HostedFileSystem.cpp) or an entry of
// that confined parent.
#include <kernel/platform/FileSystem.h>

namespace ath::hosted {

class HostedFileSystem final : public sys::FileSystem {
public:
    // Opens a host directory to preopen (the path is the user's, not a module's: not confined).
    static sys::Errno open_directory(const char* host_path, sys::FileNode& node);

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
};

// Linux errno -> preview1 errno (EXDEV from a confined resolution is ENOTCAPABLE).
sys::Errno errno_from_linux(int error);

} // namespace ath::hosted
