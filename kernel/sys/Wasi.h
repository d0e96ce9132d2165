#pragma once

// WASI preview1 for Azoth modules. A WasiContext holds one process's view (arguments, environment,
// its fd table: the standard streams as stream objects at fds 0-2, preopened directories and open
// files from fd 3 as FileSystem nodes with preview1 rights; clock policy); `resolve_import` answers a module's "wasi_snapshot_preview1"
// imports with host functions bound to that context. The functions themselves are listed once in
// abi/wasi_snapshot_preview1.def.
//
// Every pointer a module passes is checked through GuestMemory; a bad one gets EFAULT/EINVAL and
// changes nothing in the module's memory.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/object/Stream.h>
#include <kernel/sys/Errno.h>
#include <kernel/platform/FileSystem.h>
#include <kernel/platform/HostServices.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

inline constexpr StringView wasi_module_name = "wasi_snapshot_preview1";

// A directory the module gets open at start (fd 3, 4, ... in this order): a node of the context's
// FileSystem, which the context then owns (closes), and the name fd_prestat_dir_name reports.
struct WasiPreopen {
    FileNode node { 0 };
    StringView guest_path;
};

struct WasiConfig {
    Span<const StringView> arguments;    // argv, including argv[0]
    Span<const StringView> environment;  // "KEY=value" strings
    // Clock granularity the module may observe. Untrusted modules get a coarse value (privacy: no
    // fine-grained timers for side channels); 1 means full resolution.
    u64 clock_granularity_ns { 1 };
    // The standard streams, fd 0, 1 and 2 (stdin: an input stream, stdout and stderr: output
    // streams; kernel/object/Stream.h). The context keeps a reference to each. A null one does not
    // exist for the module: fd_read, fd_write, fd_fdstat_get, poll_oneoff, ... answer EBADF, as
    // for a closed descriptor (a booted process without the `console` capability gets none).
    object::Stream* stdio[3] { nullptr, nullptr, nullptr };
    // Files: null where nothing serves them (booted, until the VFS service of issue 19 exists), and
    // then there are no preopens and every fd from 3 up is EBADF.
    FileSystem* file_system { nullptr };
    Span<const WasiPreopen> preopens;
};

// preview1 rights (`rights` bits) and the sets a descriptor of each kind can hold.
namespace wasi_rights {
inline constexpr u64 fd_datasync = u64(1) << 0, fd_read = u64(1) << 1, fd_seek = u64(1) << 2, fd_fdstat_set_flags = u64(1) << 3,
                     fd_sync = u64(1) << 4, fd_tell = u64(1) << 5, fd_write = u64(1) << 6, fd_advise = u64(1) << 7,
                     fd_allocate = u64(1) << 8, path_create_directory = u64(1) << 9, path_create_file = u64(1) << 10,
                     path_link_source = u64(1) << 11, path_link_target = u64(1) << 12, path_open = u64(1) << 13,
                     fd_readdir = u64(1) << 14, path_readlink = u64(1) << 15, path_rename_source = u64(1) << 16,
                     path_rename_target = u64(1) << 17, path_filestat_get = u64(1) << 18,
                     path_filestat_set_size = u64(1) << 19, path_filestat_set_times = u64(1) << 20,
                     fd_filestat_get = u64(1) << 21, fd_filestat_set_size = u64(1) << 22,
                     fd_filestat_set_times = u64(1) << 23, path_symlink = u64(1) << 24,
                     path_remove_directory = u64(1) << 25, path_unlink_file = u64(1) << 26,
                     poll_fd_readwrite = u64(1) << 27;
inline constexpr u64 regular_file = fd_datasync | fd_read | fd_seek | fd_fdstat_set_flags | fd_sync | fd_tell | fd_write | fd_advise
    | fd_allocate | fd_filestat_get | fd_filestat_set_size | fd_filestat_set_times | poll_fd_readwrite;
inline constexpr u64 directory = fd_fdstat_set_flags | fd_sync | fd_advise | path_create_directory | path_create_file
    | path_link_source | path_link_target | path_open | fd_readdir | path_readlink | path_rename_source | path_rename_target
    | path_filestat_get | path_filestat_set_size | path_filestat_set_times | fd_filestat_get | fd_filestat_set_times
    | path_symlink | path_remove_directory | path_unlink_file | poll_fd_readwrite;
inline constexpr u64 directory_inheriting = directory | regular_file;
} // namespace wasi_rights

// One descriptor: a stream (the standard streams, fds 0-2 at start) or a node of the context's
// FileSystem with the rights it holds (fd 3 up at start; fd_renumber can move either anywhere).
struct WasiFile {
    object::RefPtr<object::Stream> stream;
    FileNode node { 0 };
    FileType type { FileType::Unknown };
    u64 rights { 0 };
    u64 inheriting { 0 };
    StringView preopen_name; // non-empty for a preopened directory (fd_prestat_*)
    bool is_preopen { false };
    bool in_use { false };
};

class WasiContext {
public:
    WasiContext(HostServices& services, WasiConfig config);
    ~WasiContext();
    WasiContext(const WasiContext&) = delete;
    WasiContext& operator=(const WasiContext&) = delete;

    // The host function for `field` with the expected type, created in `store` (one per context
    // and field; cached). Unknown field or wrong type -> ErrorCode::Unlinkable.
    Result<wasm::Function*> resolve_import(wasm::Store& store, StringView field, const wasm::FunctionType& expected);

    // Resolves every import of `module` that belongs to WASI; other imports -> Unlinkable.
    // `imports` must have module.import_count() slots.
    ErrorOr resolve_all(wasm::Store& store, const wasm::Module& module, Span<wasm::Extern> imports);

    // proc_exit unwinds the module with a Trap whose reason is `exit_reason`; the embedder then
    // reads exit_code().
    static constexpr const char* exit_reason = "wasi: proc_exit";
    static bool is_exit(const Error& error);
    Optional<u32> exit_code() const { return m_exit_code; }

    HostServices& services() { return m_services; }
    const WasiConfig& config() const { return m_config; }
    void record_exit(u32 code) { m_exit_code = code; }
    bool stdin_closed() const { return m_stdin_closed; }
    void close_stdin() { m_stdin_closed = true; }
    // The process's fd table (max_files descriptors). The stream behind `fd`, null when it names
    // none (never given, closed, or a file).
    static constexpr u32 first_file_fd = 3;
    static constexpr u32 max_files = 128;
    object::Stream* stdio(u32 fd) const { return fd < max_files && m_files[fd].in_use ? m_files[fd].stream.get() : nullptr; }
    bool is_stdio_open(u32 fd) const { return stdio(fd) != nullptr; }
    void close_stdio(u32 fd) { close_file(fd); }

    FileSystem* file_system() const { return m_config.file_system; }
    // The file or directory behind `fd`, null when none (a stream, closed, out of range).
    WasiFile* file(u32 fd);
    // Takes `file` into the lowest free descriptor from first_file_fd; EMFILE when the table is
    // full (then the caller still owns the node).
    Errno add_file(WasiFile&& file, u32& fd);
    // Closes the descriptor (a file's node, or the context's reference to a stream).
    void close_file(u32 fd);
    // fd_renumber: `to` is closed first, then what `from` names moves there (EBADF unless both
    // are open).
    Errno renumber(u32 from, u32 to);

private:
    HostServices& m_services;
    WasiConfig m_config;
    Optional<u32> m_exit_code;
    bool m_stdin_closed { false };
    WasiFile m_files[max_files];
    static constexpr usize function_count = 46;
    wasm::Function* m_functions[function_count] {};
};

} // namespace ath::sys
