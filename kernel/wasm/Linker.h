#pragma once

// The one place a module's imports are resolved and the module instantiated. Every embedder links
// through it: the booted process runtime (kernel/process/Process.cpp), ./azoth exec
// (tools/azoth-exec), tools/wasm-run, the spec runner, the tests and the benchmarks.
//
// An embedder lists the import modules it offers, each with the function that resolves one field
// of it (for example the generated WASI and `azoth` tables of kernel/sys/abi); `instantiate` asks
// the source named by each import and then runs Store::instantiate. Several sources may share an
// import-module name: they are asked in the order they were added, and the first that knows the
// field answers ("unknown import" from one lets the next try; any other error ends the link).
//
//   wasm::Linker linker;
//   linker.add("wasi_snapshot_preview1", &resolve_wasi, &wasi_context);
//   auto instance = linker.instantiate(store, module, &failure);
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>
#include <kernel/wasm/Runtime.h>

namespace ath::wasm {

class Linker {
public:
    // Answers the import `import` (its module name is the source's) with an extern of that type:
    // Unlinkable "unknown import" when the source has no such field (the next source is asked),
    // "incompatible import type" when it has one of another type.
    using Resolve = Result<Extern> (*)(void* context, Store& store, const ImportDescription& import);

    static constexpr usize max_sources = 16;

    // Exhausted beyond max_sources. An empty module_name answers imports of every module (test
    // harnesses that stub whatever a module asks for).
    ErrorOr add(StringView module_name, Resolve resolve, void* context);

    // Which import stopped a link (for diagnostics): its index in the module and its description.
    struct Failure {
        usize import_index { 0 };
        ImportDescription import {};
        bool at_import { false }; // false: the link got past the imports (instantiation failed)
    };

    // Resolves every import of `module` and instantiates it in `store`. Errors: the first import
    // nobody answers (Unlinkable "unknown import" / "incompatible import type", `failure` says
    // which), OutOfMemory, or what Store::instantiate answers (a trap in the start function).
    Result<Instance*> instantiate(Store& store, const Module& module, Failure* failure = nullptr) const;

    // Resolves one import through the sources (what instantiate does for each).
    Result<Extern> resolve(Store& store, const ImportDescription& import) const;

private:
    struct Source {
        StringView module_name;
        Resolve resolve { nullptr };
        void* context { nullptr };
    };
    Source m_sources[max_sources] {};
    usize m_source_count { 0 };
};

} // namespace ath::wasm
