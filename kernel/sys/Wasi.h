#pragma once

// WASI preview1 for Azoth modules. A WasiContext holds one process's view (arguments, environment,
// standard streams: its fd table of stream objects, clock policy); `resolve_import` answers a module's "wasi_snapshot_preview1"
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
#include <kernel/platform/HostServices.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

inline constexpr StringView wasi_module_name = "wasi_snapshot_preview1";

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
};

class WasiContext {
public:
    WasiContext(HostServices& services, WasiConfig config) : m_services(services), m_config(config)
    {
        for (u32 fd = 0; fd < 3; ++fd)
            m_stdio[fd] = object::RefPtr<object::Stream>(config.stdio[fd]);
    }

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
    // The process's fd table: the stream behind fd 0, 1 or 2, null when there is none (never
    // given, or closed).
    object::Stream* stdio(u32 fd) const { return fd <= 2 ? m_stdio[fd].get() : nullptr; }
    bool is_stdio_open(u32 fd) const { return stdio(fd) != nullptr; }
    void close_stdio(u32 fd) { m_stdio[fd] = nullptr; }

private:
    HostServices& m_services;
    WasiConfig m_config;
    Optional<u32> m_exit_code;
    bool m_stdin_closed { false };
    object::RefPtr<object::Stream> m_stdio[3];
    static constexpr usize function_count = 46;
    wasm::Function* m_functions[function_count] {};
};

} // namespace ath::sys
