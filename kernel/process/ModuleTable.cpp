#include <kernel/lib/Format.h>
#include <kernel/lib/Placement.h>
#include <kernel/process/ModuleTable.h>

namespace ath::process {

namespace {

alignas(ModuleTable) u8 g_table_storage[sizeof(ModuleTable)];
ModuleTable* g_table = nullptr;

constexpr StringView manifest_folder = "modules/";
constexpr StringView manifest_suffix = ".manifest";

} // namespace

Result<ModuleEntry> ModuleTable::parse(StringView name, StringView text, ReadonlyBytes module_bytes)
{
    if (name.is_empty() || name.length() > ModuleEntry::max_name)
        return Error::from(ErrorCode::Malformed, "manifest: bad module name");
    ModuleEntry entry;
    for (usize i = 0; i < name.length(); ++i)
        entry.name[i] = name[i];
    entry.name_length = name.length();
    entry.module_bytes = module_bytes;
    // `name` may be a temporary: the manifest's name is the entry's own copy (entry.name_view()).
    entry.manifest = TRY(object::Manifest::parse(text, name));
    entry.manifest.name = {};
    return entry;
}

ModuleTable ModuleTable::load(const initrd::TarArchive& initrd)
{
    ModuleTable table;
    initrd.for_each([&](const initrd::TarEntry& entry) {
        if (entry.kind != initrd::TarEntry::Kind::File || !entry.prefix.is_empty())
            return;
        StringView path = entry.name;
        if (!path.starts_with(manifest_folder) || !path.ends_with(manifest_suffix))
            return;
        StringView name = path.substring(manifest_folder.length(),
            path.length() - manifest_folder.length() - manifest_suffix.length());
        char wasm_path[ModuleEntry::max_name + 16];
        usize length = 0;
        if (name.length() > ModuleEntry::max_name) {
            println("athanor: modules: {}: name too long, skipped", name);
            return;
        }
        for (char c : manifest_folder)
            wasm_path[length++] = c;
        for (char c : name)
            wasm_path[length++] = c;
        for (char c : StringView(".wasm"))
            wasm_path[length++] = c;
        auto module = initrd.find(StringView(wasm_path, length));
        if (!module.has_value()) {
            println("athanor: modules: {}: no {}, skipped", name, StringView(wasm_path, length));
            return;
        }
        StringView text(reinterpret_cast<const char*>(entry.contents.data()), entry.contents.size());
        auto manifest = parse(name, text, module->contents);
        if (manifest.is_error()) {
            println("athanor: modules: {}: {}, skipped", name, manifest.error().reason);
            return;
        }
        if (table.m_modules.try_append(manifest.release_value()).is_error())
            println("athanor: modules: more than {} modules, {} skipped", max_modules, name);
    });
    return table;
}

Optional<usize> ModuleTable::find(StringView name) const
{
    for (usize i = 0; i < m_modules.size(); ++i) {
        if (m_modules[i].name_view() == name)
            return i;
    }
    return none;
}

ModuleTable& global_modules()
{
    if (!g_table)
        g_table = new (g_table_storage) ModuleTable();
    return *g_table;
}

void load_global_modules(const initrd::TarArchive& initrd)
{
    global_modules() = ModuleTable::load(initrd);
}

} // namespace ath::process
