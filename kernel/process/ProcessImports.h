#pragma once

// The `azoth_process` import module: what a supervisor (init) needs to start and watch the other
// modules. Separate from the `azoth` IPC module (kernel/sys/abi/azoth.def) until the two are
// merged; statuses use azoth.def's numbers (0 OK, 2 E_PERMISSION_DENIED, 3 E_INVALID_ARGUMENT,
// 4 E_FAULT, 5 E_NO_MEMORY, 6 E_EXHAUSTED, 8 E_TIMED_OUT, 10 E_NOT_FOUND, 14 E_MALFORMED).
// Every pointer is checked through GuestMemory; a bad one answers E_FAULT and writes nothing.
//
//   module_count() -> i32                                         modules in the initrd table
//   module_info(index, name_ptr, name_capacity, info_ptr) -> st   info: u32 name_length,
//                                                  u32 restart (0 never, 1 on-failure, 2 always),
//                                                  u32 max_restarts, u32 is_self (1 for the caller)
//   spawn(index, child_out_ptr) -> status                         needs `supervisor`
//   wait(timeout_ns: i64, event_ptr) -> status                    event: u32 child, u32 module_index,
//                                                  u32 kind (1 exited, 2 trapped, 3 killed, 4 failed),
//                                                  u32 exit_code; timeout ~0 = forever, 0 = poll
//   kill(child) -> status
//   memory_stats(out_ptr) -> status                               u64 free_frames, u64 linear_memory_frames,
//                                                  u64 page_table_frames, u64 kernel_heap_frames
//                                                  (tests check the frame balance with these)
//
// The `azoth_device` import module: the console UART for the one driver holding `serial-port`.
//   console_attach() -> status        claim the UART and the console stream (E_PERMISSION_DENIED
//                                     without the capability, 7 E_BUSY when another driver holds it,
//                                     E_NOT_FOUND when the console UART is not 16550-compatible)
//   console_read(buffer, capacity, timeout_ns: i64, length_out) -> status   queued console text
//                                     (E_TIMED_OUT with length 0 when none came in time)
//   uart_read(register, value_out) -> status / uart_write(register, value) -> status
//                                     16550 register access; only for the attached driver
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>
#include <kernel/wasm/Runtime.h>

namespace ath::process {

class Process;

inline constexpr StringView process_imports_module_name = "azoth_process";
inline constexpr StringView device_imports_module_name = "azoth_device";

// `module_name` is process_imports_module_name or device_imports_module_name.
Result<wasm::Function*> resolve_process_import(wasm::Store& store, Process& process, StringView module_name,
    StringView field, const wasm::FunctionType& expected);

} // namespace ath::process
