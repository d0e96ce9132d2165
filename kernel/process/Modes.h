#pragma once

// Boot modes that run Wasm code, selected by kernel command-line words (kernel/main):
//   exec       run exec/program.wasm from the initrd with argv from exec/argv (NUL-separated),
//              console access, then report `athanor: exec: exit status N` (./azoth run --exec)
//   spectest   run the Wasm spec suite packed in the initrd (spec/*.json + modules) in the kernel
// Each returns the power-off status.
#include <kernel/initrd/TarArchive.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Types.h>

namespace ath::process {

u8 run_exec_mode(const initrd::TarArchive& initrd);
u8 run_spectest_mode(const initrd::TarArchive& initrd);
// bench-sched: start latency and context-switch measurements (bench/sched/run).
u8 run_bench_sched_mode(const initrd::TarArchive& initrd);
// bench-ipc: IPC costs in the kernel and between two booted processes (bench/ipc/run).
u8 run_bench_ipc_mode(const initrd::TarArchive& initrd);
// ipc-kill-test: a server killed while a call runs in its Store (tests/ipc/ipc-boot-test.py kill).
u8 run_ipc_kill_test_mode(const initrd::TarArchive& initrd);
// console-kill-test: a process killed in poll_oneoff ends promptly (process-boot-test.py console-kill).
u8 run_console_kill_test_mode(const initrd::TarArchive& initrd);
// The normal boot: init from the initrd; its exit status, or none when there is no init.
Optional<u8> run_init_mode(const initrd::TarArchive& initrd);

} // namespace ath::process
