#pragma once

// A process is one Wasm module instance on its own kernel thread: its Store (memories, tables,
// globals), its WASI context and its exit status. spawn() decodes and validates the module and
// starts the thread; linking, instantiation (start function) and _start run on that thread, so
// a start function that loops is preempted like any other code.
//
// A process ends when _start returns or calls proc_exit (Exited), traps (Trapped), is killed or
// exceeds its CPU budget (Killed), or cannot be linked/instantiated (Failed). Its Store is
// destroyed on its own thread as it ends, which returns every frame of its linear memories.
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/IntrusiveList.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/object/Manifest.h>
#include <kernel/object/ResourceAccount.h>
#include <kernel/object/Stream.h>
#include <kernel/process/ProcessIpc.h>
#include <kernel/process/Threads.h>
#include <kernel/wasm/Runtime.h>
#include <kernel/wasm/Snapshot.h>

namespace ath::process {

struct ModuleEntry;

// What a module without the `precise-time` capability sees of time: 100 us steps, the
// resolution browsers settled on against timing attacks (issue 21: coarse clocks).
inline constexpr u64 coarse_clock_ns = 100'000;

struct ProcessSpec {
    StringView name;
    ReadonlyBytes module_bytes;          // copied by the engine
    Span<const StringView> arguments;    // argv including argv[0]; copied
    StringView argument_line;            // used when `arguments` is empty: argv split at spaces (at most 32)
    Span<const StringView> environment;  // KEY=value; copied
    u64 cpu_limit_ns { 0 };              // watchdog (0: none)
    u8 priority { 4 };
    // The step of the module's clocks (WASI clock_time_get / clock_res_get): 1 ns (exec mode, a
    // module with `precise-time`) or coarse_clock_ns (every other manifest).
    u64 clock_granularity_ns { 1 };
    class Process* parent { nullptr };   // notified (child_exited) when this process ends
    bool may_supervise { false };        // `supervisor`: may spawn modules (azoth.spawn)
    bool may_use_serial_port { false };  // `serial-port`: may claim the console UART (azoth.console_attach)
    bool may_use_pci { false };          // `pci`: may list and open PCI functions (azoth.pci_list, pci_open)
    bool may_add_entropy { false };      // `entropy-source`: may feed the kernel's random pool (azoth.entropy_add)
    bool may_use_console { false };      // `console`: WASI stdin/stdout/stderr are the console's streams
    bool may_administer { false };       // `process-admin`: may list and kill any process (a shell)
    object::ManifestTier tier { object::ManifestTier::Default }; // `tier`: the engine tier it is pinned to
    u32 module_index { 0 };              // in global_modules(), reported to the parent
    // Handles, `serves` and resource limits come from this entry's manifest; null: from
    // global_modules() when the entry at module_index has this name (kernel/process/ProcessIpc.h).
    const ModuleEntry* manifest { nullptr };

    // Everything a module's manifest says about the process it starts (name, bytes, argv,
    // limits, capabilities, handles): the one translation from a manifest to a process.
    static ProcessSpec from(const ModuleEntry& entry, u32 module_index, class Process* parent = nullptr);
};

enum class ExitKind : u8 { Running, Exited, Trapped, Killed, Failed };
StringView exit_kind_name(ExitKind);

// Where a Failed process stopped.
enum class FailurePhase : u8 { None, Link, Instantiate, NoStart };

// What a parent learns when a child ends.
struct ChildExit {
    u32 child { 0 };         // the parent's number for the child
    u32 module_index { 0 };
    ExitKind kind { ExitKind::Exited };
    u32 code { 0 };
};

struct ExitStatus {
    ExitKind kind { ExitKind::Running };
    u32 code { 0 };        // proc_exit code (Exited)
    FailurePhase phase { FailurePhase::None };
    ErrorCode error_code { ErrorCode::Trap }; // of a trap or failure
    char reason[128] {};   // trap / failure text
    StringView reason_view() const;
};

class Process {
public:
    // Errors: the module is malformed/invalid (nothing is started), or no memory for the thread.
    static Result<Process*> spawn(const ProcessSpec& spec);

    StringView name() const { return StringView(m_name, m_name_length); }
    // Kernel-wide number, 1.., never reused while the system runs (a shell's `ps` and `kill`).
    u32 pid() const { return m_pid; }
    Process* parent() const { return m_parent; }
    u32 module_index() const { return m_module_index; }
    u64 spawned_at_ns() const { return m_spawned_at_ns; }
    u32 child_count() const;
    // Every process from spawn until it is destroyed, in spawn order: the `index`th (null past
    // the last) and the one numbered `pid` (kernel code between safepoints is never preempted,
    // so neither needs a lock).
    static Process* nth(usize index);
    static Process* find(u32 pid);
    IntrusiveListNode all_link; // in that list (Process.cpp's alone)
    bool has_exited() const { return m_status.kind != ExitKind::Running; }
    const ExitStatus& status() const { return m_status; }
    // Wall time from spawn() to the first instruction of _start (benchmarks), 0 until then.
    u64 start_latency_ns() const { return m_start_latency_ns; }

    void kill();
    // Instant reset (docs/privacy.md): the process goes back to the moment just before its _start
    // first ran (after instantiation and the start function): linear memory, globals, tables and
    // memory size as they were then (only the pages it wrote since are copied back:
    // wasm::InstanceSnapshot over KernelLinearMemory's dirty tracking), its handle table back to
    // its manifest's grants, its children ended, its console claims dropped, its WASI context
    // (fds, exit code) fresh; then _start runs again from the beginning on the same thread. Its
    // Wasm code is stopped the way kill() stops it (the stop rule, Threads.h): a blocking call or
    // an IPC call it is in ends, calls running in its Store end with E_SERVER_TRAPPED and queued
    // callers with E_NOT_FOUND; clients' handles to its endpoint stay valid. Returns once the
    // reset is requested (the process's own thread does it; calls to it answer E_NOT_FOUND until
    // it is done; reset_count() counts the finished ones). Errors: NotFound (the process has
    // ended), Unsupported (it has no snapshot: not started yet, or a region was mapped during
    // instantiation).
    ErrorOr reset();
    u64 reset_count() const { return m_reset_count; }
    bool kill_requested() const { return m_thread && m_thread->kill_requested; }
    KernelThread* thread() const { return m_thread; }
    // The process whose thread is running now (null on other kernel threads).
    static Process* current();
    // Its handles, azoth context and call stack (kernel/process/ProcessIpc.h).
    ProcessIpc& ipc() { return m_ipc; }
    // What it may spend and has spent (kernel/object/ResourceAccount.h): limits from its manifest.
    object::ResourceAccount& account() const { return *m_account; }
    // From a kernel thread: blocks until the process has exited (even when that thread is being
    // killed: a parent must not free a child that still runs).
    void wait();

    // Children (supervision). Numbers are the parent's own, 1-based.
    static constexpr usize max_children = 32;
    static constexpr usize max_arguments = 32;
    bool may_supervise() const { return m_may_supervise; }
    bool may_use_serial_port() const { return m_may_use_serial_port; }
    bool may_use_pci() const { return m_may_use_pci; }
    bool may_add_entropy() const { return m_may_add_entropy; }
    bool may_use_console() const { return m_may_use_console; }
    bool may_administer() const { return m_may_administer; }
    Result<u32> adopt(Process& child);
    Process* child(u32 number) const;
    // Blocks until a child has ended (or the deadline passes: TimedOut, or this thread is being
    // killed: Busy); the child is destroyed and its number freed.
    Result<ChildExit> wait_child(Optional<u64> deadline_ns);
    // Kills every child, waits for them and frees them (a parent that ends leaves no orphans).
    void end_children();
    // Frees the process; only after it has exited.
    void destroy();

private:
    Process() = default;
    static void thread_entry(void* self);
    void run();
    void finish(ExitKind kind, u32 code, StringView reason, FailurePhase phase = FailurePhase::None,
        ErrorCode error_code = ErrorCode::Trap);
    void destroy_unstarted();
    ErrorOr copy_strings(const ProcessSpec& spec);
    // The `console` capability: stdin, stdout and stderr as stream objects over the console.
    ErrorOr open_console_streams();

    char m_name[48] {};
    u32 m_pid { 0 };
    usize m_name_length { 0 };
    wasm::Module* m_module { nullptr };
    StringView* m_arguments { nullptr };
    usize m_argument_count { 0 };
    StringView* m_environment { nullptr };
    usize m_environment_count { 0 };
    char* m_string_storage { nullptr };
    u64 m_clock_granularity_ns { 1 };
    KernelThread* m_thread { nullptr };
    u64 m_spawned_at_ns { 0 };
    u64 m_start_latency_ns { 0 };
    ExitStatus m_status;
    // Instant reset: the snapshot taken before _start (owned by the Store's allocator; null when
    // none could be taken), whether a reset is wanted, whether kill() was asked (a kill wins over a
    // pending reset), how many resets are done.
    wasm::InstanceSnapshot* m_snapshot { nullptr };
    bool m_reset_requested { false };
    bool m_killed { false };
    u64 m_reset_count { 0 };
    bool reset_wanted() const { return m_reset_requested && !m_killed && m_snapshot; }
    object::ResourceAccount* m_account { nullptr };
    ProcessIpc m_ipc;
    sched::WaitQueue m_exit_waiters;
    Process* m_parent { nullptr };
    bool m_may_supervise { false };
    bool m_may_use_serial_port { false };
    bool m_may_use_pci { false };
    bool m_may_add_entropy { false };
    bool m_may_use_console { false };
    bool m_may_administer { false };
    object::ManifestTier m_tier { object::ManifestTier::Default };
    // What WASI fds 0, 1 and 2 name (sys::WasiContext's stdio table); null: that fd does not exist.
    object::RefPtr<object::Stream> m_stdio[3];
    u32 m_module_index { 0 };
    Process* m_children[max_children] {};
    FixedVector<ChildExit, max_children> m_child_exits;
    sched::WaitQueue m_child_waiters;
    void child_exited(Process& child);
    void forget_child(Process& child);
};

} // namespace ath::process
