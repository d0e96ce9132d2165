// `exec` (./azoth run --exec): one WASI program from the initrd with console access; prints what
// ./azoth exec prints and reports `athanor: exec: exit status N`.
#include <kernel/arch/Arch.h>
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Format.h>
#include <kernel/main/BootMode.h>
#include <kernel/process/Process.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>
#include <kernel/platform/kernel/KernelServices.h>
#include <kernel/sys/Wasi.h>
#include <kernel/mm/PhysicalMemory.h>

namespace ath::process {

namespace {

// The exit codes ./azoth exec uses, so both print and return the same.
constexpr u32 exit_bad_module = 65;
constexpr u32 exit_trap = 70;
constexpr usize max_arguments = 64;

// NUL-terminated strings of an initrd file (absent file: none).
ErrorOr split_strings(const initrd::TarArchive& initrd, StringView path, FixedVector<StringView, max_arguments>& out)
{
    auto file = initrd.find(path);
    if (!file.has_value())
        return {};
    StringView all(reinterpret_cast<const char*>(file->contents.data()), file->contents.size());
    usize start = 0;
    for (usize i = 0; i < all.length(); ++i) {
        if (all[i] == '\0') {
            TRY(out.try_append(all.substring(start, i - start)));
            start = i + 1;
        }
    }
    if (start < all.length())
        TRY(out.try_append(all.substring(start)));
    return {};
}

// The messages ./azoth exec prints for a module that cannot run, so both outputs match.
void report_failure(ReadonlyBytes bytes, StringView path, const ExitStatus& status)
{
    switch (status.phase) {
    case FailurePhase::Link: {
        // Name each import WASI cannot satisfy (a throwaway store; the process's is gone).
        auto module = wasm::Module::create(sys::KernelAllocator::instance(), bytes);
        if (!module.is_error()) {
            wasm::Store store(sys::KernelAllocator::instance());
            sys::WasiContext wasi(sys::KernelServices::instance(), {});
            for (usize i = 0; i < module.value().import_count(); ++i) {
                auto import = module.value().import_at(i);
                if (import.module_name != sys::wasi_module_name
                    || wasi.resolve_import(store, import.field_name, import.type.function).is_error())
                    println("azoth-exec: cannot link import {}.{}", import.module_name, import.field_name);
            }
        }
        println("azoth-exec: link: {} ({})", status.reason_view(), error_code_name(status.error_code));
        break;
    }
    case FailurePhase::NoStart:
        println("azoth-exec: {} exports no _start function (not a WASI command)", path);
        break;
    default:
        println("azoth-exec: instantiate: {} ({})", status.reason_view(), error_code_name(status.error_code));
        break;
    }
}

u8 run_exec_mode(const initrd::TarArchive* initrd_archive)
{
    const initrd::TarArchive& initrd = *initrd_archive;
    auto program = initrd.find("exec/program.wasm");
    if (!program.has_value()) {
        println("athanor: exec: the initrd has no exec/program.wasm");
        println("athanor: exec: exit status {}", exit_bad_module);
        return exit_bad_module & 0xF;
    }
    FixedVector<StringView, max_arguments> arguments;
    FixedVector<StringView, max_arguments> environment;
    if (split_strings(initrd, "exec/argv", arguments).is_error() || split_strings(initrd, "exec/env", environment).is_error()) {
        println("athanor: exec: more than {} arguments or environment variables", max_arguments);
        return exit_bad_module & 0xF;
    }
    if (arguments.is_empty())
        (void)arguments.try_append("program.wasm");

    u64 free_before = mm::physical_frames().free_count();
    u64 tables_before = Arch::Mmu::page_tables_in_use();
    ProcessSpec spec;
    spec.name = arguments[0];
    spec.module_bytes = program->contents;
    spec.arguments = arguments.span();
    spec.environment = environment.span();
    spec.may_use_console = true; // the program the command line names prints its output
    println("athanor: exec: {} ({} bytes, {} arguments)", arguments[0], program->contents.size(), arguments.size());
    println("athanor: exec: --- output ---");
    auto spawned = Process::spawn(spec);
    if (spawned.is_error()) {
        const Error& error = spawned.error();
        if (error.has_offset())
            println("azoth-exec: {}: {} ({} at byte {})", arguments[0], error.reason, error_code_name(error.code), error.offset);
        else
            println("azoth-exec: {}: {} ({})", arguments[0], error.reason, error_code_name(error.code));
        println("athanor: exec: --- end ---");
        println("athanor: exec: exit status {}", exit_bad_module);
        return exit_bad_module & 0xF;
    }
    Process* process = spawned.value();
    run_threads();
    const ExitStatus& status = process->status();
    u32 code = 0;
    switch (status.kind) {
    case ExitKind::Exited: code = status.code & 0xFF; break;
    case ExitKind::Trapped:
    case ExitKind::Killed:
        println("azoth-exec: trap: {} ({})", status.reason_view(), error_code_name(ErrorCode::Trap));
        code = exit_trap;
        break;
    case ExitKind::Failed:
    case ExitKind::Running:
        report_failure(program->contents, arguments[0], status);
        code = exit_bad_module;
        break;
    }
    println("athanor: exec: --- end ---");
    u64 start_latency = process->start_latency_ns();
    process->destroy();
    u64 free_after = mm::physical_frames().free_count();
    // Page-table frames made for the memory's reservation stay (they are reused by the next
    // process there), so the balance counts them as free.
    println("athanor: exec: start latency {} us, {} context switches, free frames {} before, {} after ({} + {} page tables)",
        start_latency / 1000, context_switch_count(), free_before, free_after + (Arch::Mmu::page_tables_in_use() - tables_before),
        free_after, Arch::Mmu::page_tables_in_use() - tables_before);
    println("athanor: exec: exit status {}", code);
    return static_cast<u8>(code & 0xF);
}

} // namespace

ATH_BOOT_MODE(exec, "exec", BootStage::Initrd,
              "run exec/program.wasm with exec/argv and exec/env from the initrd (./azoth run --exec)", run_exec_mode);

} // namespace ath::process
