#pragma once

// The import sources of the module ABI for wasm::Linker (kernel/wasm/Linker.h): one function per
// import module of kernel/sys/abi, taking its context. Every embedder links with these — the booted
// process runtime, ./azoth exec, the IPC tests and benchmarks — so a module sees the same imports
// everywhere:
//   linker.add(sys::wasi_module_name, &sys::link_wasi, &wasi_context);
//   linker.add(sys::azoth_module_name, &sys::link_azoth, azoth_context);
#include <kernel/sys/Azoth.h>
#include <kernel/sys/Wasi.h>
#include <kernel/wasm/Linker.h>

namespace ath::sys {

// The ABI's import modules export functions only.
inline ErrorOr expect_function_import(const wasm::ImportDescription& import)
{
    if (import.type.kind != wasm::ExternKind::Function)
        return Error::from(ErrorCode::Unlinkable, "unknown import");
    return {};
}

// `wasi_snapshot_preview1` from a WasiContext.
inline Result<wasm::Extern> link_wasi(void* wasi, wasm::Store& store, const wasm::ImportDescription& import)
{
    TRY(expect_function_import(import));
    return wasm::Extern::from(TRY(static_cast<WasiContext*>(wasi)->resolve_import(store, import.field_name, import.type.function)));
}

// `azoth` from an AzothContext (the entries every embedder serves; the booted process runtime adds
// its own source for the process, console and device entries first).
inline Result<wasm::Extern> link_azoth(void* azoth, wasm::Store&, const wasm::ImportDescription& import)
{
    TRY(expect_function_import(import));
    return wasm::Extern::from(TRY(static_cast<AzothContext*>(azoth)->resolve_import(import.field_name, import.type.function)));
}

} // namespace ath::sys
