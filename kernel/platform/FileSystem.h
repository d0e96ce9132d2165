#pragma once

// Platform seam: the files and directories behind a module's WASI descriptors (fd 3 and up). The
// WASI layer (kernel/sys/Wasi.cpp) keeps the fd table (which node, which preview1 rights, which
// preopen name) and checks rights; a FileSystem does the operations on nodes it opened, relative
// to a directory node and confined to it: no path given here (`..`, an absolute path, a symbolic
// link's target) ever reaches a file outside the directory node the call names.
// Implementations:
//   hosted  kernel/platform/hosted/HostedFileSystem.h (Linux openat2 RESOLVE_BENEATH: ./azoth exec --dir),
//           kernel/platform/hosted/FatImageFileSystem.h (a FAT disk image through storage/fat: --disk),
//           kernel/platform/hosted/MountedFileSystems.h (several of them behind one)
//   booted  none yet: the VFS service (issue 19) will answer these calls over IPC. Until then a
//           booted process has no FileSystem and no preopens, and every fd from 3 up is EBADF.
//
// Errors are preview1 errno values (Errno.h): the one vocabulary a file system, hosted or a
// service, answers in. Paths are byte strings without NUL (the WASI layer checks).
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/sys/Errno.h>

namespace ath::sys {

// A node (file or directory) a FileSystem opened: a number it chose (hosted: a Linux fd). The WASI
// layer owns it once opened and gives it back through close().
using FileNode = u64;

// preview1 `filetype`.
enum class FileType : u8 {
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketDatagram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
};

// preview1 `filestat`, times in nanoseconds since the epoch.
struct FileStat {
    u64 device { 0 };
    u64 inode { 0 };
    FileType type { FileType::Unknown };
    u64 link_count { 0 };
    u64 size { 0 };
    u64 access_ns { 0 };
    u64 modify_ns { 0 };
    u64 change_ns { 0 };
};

// preview1 `fdflags` bits (fd_fdstat_get/set_flags, path_open).
inline constexpr u16 fdflag_append = 1, fdflag_dsync = 2, fdflag_nonblock = 4, fdflag_rsync = 8, fdflag_sync = 16;

// What path_open asks for, already checked against the rights by the WASI layer.
struct OpenRequest {
    bool follow_symlinks { false }; // lookupflags.symlink_follow (the last component only)
    bool create { false };          // oflags
    bool directory { false };
    bool exclusive { false };
    bool truncate { false };
    bool read { false };
    bool write { false };
    u16 fd_flags { 0 };
};

struct OpenedNode {
    FileNode node { 0 };
    FileType type { FileType::Unknown };
};

// fd_filestat_set_times / path_filestat_set_times: preview1 `fstflags` bits say which to set.
inline constexpr u16 fstflag_atim = 1, fstflag_atim_now = 2, fstflag_mtim = 4, fstflag_mtim_now = 8;
struct TimeUpdate {
    u64 access_ns { 0 };
    u64 modify_ns { 0 };
    u16 flags { 0 };
};

enum class Whence : u8 { Set = 0, Current = 1, End = 2 };

// One directory entry of fd_readdir: `next` is the cookie that continues after it.
struct DirectoryEntry {
    u64 next { 0 };
    u64 inode { 0 };
    FileType type { FileType::Unknown };
    StringView name;
};

class DirectoryVisitor {
public:
    // false: stop (the caller's buffer is full).
    virtual bool entry(const DirectoryEntry& entry) = 0;

protected:
    ~DirectoryVisitor() = default;
};

class FileSystem {
public:
    // --- nodes -------------------------------------------------------------------------------
    // Opens `path` below directory `directory`.
    virtual Errno open_at(FileNode directory, StringView path, const OpenRequest& request, OpenedNode& opened) = 0;
    virtual void close(FileNode node) = 0;

    // --- open files --------------------------------------------------------------------------
    virtual Errno read(FileNode node, Bytes buffer, usize& done) = 0;
    virtual Errno write(FileNode node, ReadonlyBytes buffer, usize& done) = 0;
    virtual Errno read_at(FileNode node, Bytes buffer, u64 offset, usize& done) = 0;
    virtual Errno write_at(FileNode node, ReadonlyBytes buffer, u64 offset, usize& done) = 0;
    virtual Errno seek(FileNode node, i64 offset, Whence whence, u64& position) = 0;
    virtual Errno stat(FileNode node, FileStat& stat) = 0;
    virtual Errno set_size(FileNode node, u64 size) = 0;
    virtual Errno set_times(FileNode node, const TimeUpdate& times) = 0;
    virtual Errno sync(FileNode node, bool data_only) = 0;
    virtual Errno allocate(FileNode node, u64 offset, u64 length) = 0;
    virtual Errno advise(FileNode node, u64 offset, u64 length, u8 advice) = 0;
    // fdflags: the append and nonblock bits can change after open; the sync bits cannot (ENOTSUP).
    virtual Errno get_flags(FileNode node, u16& fd_flags) = 0;
    virtual Errno set_flags(FileNode node, u16 fd_flags) = 0;
    // Entries from `cookie` (0: the first) until the visitor stops or the directory ends.
    virtual Errno read_directory(FileNode directory, u64 cookie, DirectoryVisitor& visitor) = 0;

    // --- paths below a directory ------------------------------------------------------------
    virtual Errno stat_at(FileNode directory, StringView path, bool follow_symlinks, FileStat& stat) = 0;
    virtual Errno set_times_at(FileNode directory, StringView path, bool follow_symlinks, const TimeUpdate& times) = 0;
    virtual Errno create_directory(FileNode directory, StringView path) = 0;
    virtual Errno remove_directory(FileNode directory, StringView path) = 0;
    virtual Errno unlink_file(FileNode directory, StringView path) = 0;
    virtual Errno rename(FileNode directory, StringView path, FileNode new_directory, StringView new_path) = 0;
    virtual Errno link(FileNode directory, StringView path, bool follow_symlinks, FileNode new_directory, StringView new_path) = 0;
    virtual Errno symlink(StringView target, FileNode directory, StringView path) = 0;
    // The link's target, truncated to the buffer; `length` is how much was written.
    virtual Errno read_link(FileNode directory, StringView path, Bytes buffer, usize& length) = 0;

protected:
    ~FileSystem() = default;
};

} // namespace ath::sys
