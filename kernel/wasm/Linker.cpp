#include "Linker.h"

namespace ath::wasm {

namespace {

bool is_unknown_import(const Error& error)
{
    return error.code == ErrorCode::Unlinkable && StringView(error.reason) == StringView("unknown import");
}

} // namespace

ErrorOr Linker::add(StringView module_name, Resolve resolve, void* context)
{
    if (m_source_count == max_sources)
        return Error::from(ErrorCode::Exhausted, "linker: too many import sources");
    m_sources[m_source_count++] = Source { module_name, resolve, context };
    return {};
}

Result<Extern> Linker::resolve(Store& store, const ImportDescription& import) const
{
    for (usize i = 0; i < m_source_count; ++i) {
        const Source& source = m_sources[i];
        if (!source.module_name.is_empty() && source.module_name != import.module_name)
            continue;
        auto answer = source.resolve(source.context, store, import);
        if (!answer.is_error() || !is_unknown_import(answer.error()))
            return answer;
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
}

Result<Instance*> Linker::instantiate(Store& store, const Module& module, Failure* failure) const
{
    usize count = module.import_count();
    Extern* imports = nullptr;
    if (count > 0) {
        imports = static_cast<Extern*>(store.allocator().allocate(sizeof(Extern) * count, alignof(Extern)));
        if (!imports)
            return Error::from(ErrorCode::OutOfMemory, "linker: no memory for the import list");
        for (usize i = 0; i < count; ++i)
            imports[i] = Extern {};
    }
    auto release = [&] {
        if (imports)
            store.allocator().deallocate(imports, sizeof(Extern) * count, alignof(Extern));
    };
    for (usize i = 0; i < count; ++i) {
        ImportDescription import = module.import_at(i);
        auto answer = resolve(store, import);
        if (answer.is_error()) {
            if (failure)
                *failure = Failure { i, import, true };
            release();
            return answer.release_error();
        }
        imports[i] = answer.value();
    }
    if (failure)
        *failure = Failure {};
    auto instance = store.instantiate(module, Span<const Extern>(imports, count));
    release();
    return instance;
}

} // namespace ath::wasm
