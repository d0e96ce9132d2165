#include <kernel/lib/Format.h>
#include <kernel/lib/Placement.h>
#include <kernel/process/Manifest.h>

namespace ath::process {

namespace {

alignas(ModuleTable) u8 g_table_storage[sizeof(ModuleTable)];
ModuleTable* g_table = nullptr;

constexpr StringView manifest_folder = "modules/";
constexpr StringView manifest_suffix = ".manifest";

Result<u64> parse_number(StringView text, u64 limit)
{
    auto value = text.to_u64();
    if (!value.has_value() || *value > limit)
        return Error::from(ErrorCode::Invalid, "manifest: number out of range");
    return *value;
}

} // namespace

Result<ModuleManifest> ModuleTable::parse(StringView name, StringView text, ReadonlyBytes module_bytes)
{
    ModuleManifest manifest;
    if (name.is_empty() || name.length() > ModuleManifest::max_name)
        return Error::from(ErrorCode::Invalid, "manifest: bad module name");
    for (usize i = 0; i < name.length(); ++i)
        manifest.name[i] = name[i];
    manifest.name_length = name.length();
    manifest.module_bytes = module_bytes;
    usize start = 0;
    while (start < text.length()) {
        usize end = text.find('\n', start).value_or(text.length());
        StringView line = text.substring(start, end - start);
        start = end + 1;
        if (auto hash = line.find('#'); hash.has_value())
            line = line.substring(0, *hash);
        line = line.trim_whitespace();
        if (line.is_empty())
            continue;
        auto equals = line.find('=');
        if (!equals.has_value())
            return Error::from(ErrorCode::Invalid, "manifest: a line without '='");
        StringView key = line.substring(0, *equals).trim_whitespace();
        StringView value = line.substring(*equals + 1).trim_whitespace();
        if (key == "args") {
            manifest.arguments = value;
        } else if (key == "restart") {
            if (value == "never")
                manifest.restart = RestartPolicy::Never;
            else if (value == "on-failure")
                manifest.restart = RestartPolicy::OnFailure;
            else if (value == "always")
                manifest.restart = RestartPolicy::Always;
            else
                return Error::from(ErrorCode::Invalid, "manifest: restart must be never, on-failure or always");
        } else if (key == "max-restarts") {
            manifest.max_restarts = static_cast<u32>(TRY(parse_number(value, 1'000'000)));
        } else if (key == "cpu-limit-ms") {
            manifest.cpu_limit_ns = TRY(parse_number(value, 86'400'000)) * 1'000'000;
        } else if (key == "priority") {
            manifest.priority = static_cast<u8>(TRY(parse_number(value, 7)));
        } else if (key == "capabilities") {
            usize word_start = 0;
            for (usize i = 0; i <= value.length(); ++i) {
                if (i < value.length() && value[i] != ' ')
                    continue;
                StringView word = value.substring(word_start, i - word_start);
                word_start = i + 1;
                if (word.is_empty())
                    continue;
                if (word == "supervisor")
                    manifest.may_supervise = true;
                else if (word == "console")
                    manifest.console = true;
                else if (word == "serial-port")
                    manifest.serial_port = true;
                else
                    return Error::from(ErrorCode::Invalid, "manifest: unknown capability");
            }
        } else {
            return Error::from(ErrorCode::Invalid, "manifest: unknown key");
        }
    }
    return manifest;
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
        char wasm_path[ModuleManifest::max_name + 16];
        usize length = 0;
        if (name.length() > ModuleManifest::max_name) {
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
