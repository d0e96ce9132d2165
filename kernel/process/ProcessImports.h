#pragma once

// The `azoth` imports a booted process gets from the kernel/process layer: the entries of
// kernel/sys/abi/azoth.def whose status is Booted (process supervision: module_count, module_info,
// spawn, wait, kill, memory_stats; the console UART driver: console_attach, console_read,
// console_input, uart_kind; the UART registers are a Device object). Their typed handlers are in
// ProcessImports.cpp; the decoding, the capability check (E_PERMISSION_DENIED without it) and the
// dispatch are generated from the table (<abi-gen/AzothImports.h>, docs/abi.md). Statuses are
// azoth.def's, errors translated as for every azoth row (a bad pointer is E_FAULT, a misaligned
// one E_INVALID_ARGUMENT, and nothing is written). The C declarations are in the generated
// <azoth.h>; see docs/processes.md.
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>
#include <kernel/wasm/Runtime.h>

namespace ath::process {

class Process;

// The host function for azoth.`field` when it is a Booted entry; Unlinkable for any other field
// (other entries are served by sys::AzothContext) or a wrong type.
Result<wasm::Function*> resolve_process_import(wasm::Store& store, Process& process, StringView field,
    const wasm::FunctionType& expected);

} // namespace ath::process
