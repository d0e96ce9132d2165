// azoth-exec: runs a WASI (preview1) command module on the hosted build of the kernel core — the
// same engine and system-call layer the kernel uses, with this process's stdio (a console object
// whose streams end at fds 0, 1 and 2: HostedConsole.h), clocks and entropy.
// The `azoth` import module is linked too (HostedAzothEnvironment: events, regions, channels,
// endpoints, handles in one process); its booted-only rows (processes, the console UART) answer
// E_UNSUPPORTED, and the module's manifest handles do not exist here (handle_find: E_NOT_FOUND).
//
//   azoth-exec [--tier compiled|interp] [--fuel N] [--coarse-clock] [--env KEY=VALUE]... [--dir HOST[::GUEST]]...
//              [--disk IMAGE[::GUEST]]... FILE.wasm [ARGS...]
//
// --dir preopens host directory HOST for the module under the name GUEST (default: HOST), as fd 3,
// 4, ... in order (wasmtime's convention); the module's paths stay below it (HostedFileSystem.h).
// --disk mounts the FAT volume of disk image IMAGE (whole disk or first FAT partition of an
// MBR/GPT disk) with our FAT library (FatImageFileSystem.h) and preopens its root under the name
// GUEST (default: /data); a volume found inconsistent is mounted read-only (a note on stderr).
// Preopens come in the order given, --dir and --disk mixed.
// --tier compiled runs the module on the compiled tier (kernel/wasm/NativeTier.h) when the compiler
// covers it, else on the interpreter; with --tier the tier it ran on is printed on stderr
// ("azoth-exec: tier compiled" / "azoth-exec: tier interpreter (REASON)").
//
// Exit status: the module's proc_exit code (0 when _start returns); 70 + a message when the module
// traps; 64 for usage errors; 65 when the module is malformed, invalid or cannot be linked.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include <kernel/platform/hosted/HostedAzothEnvironment.h>
#include <kernel/platform/hosted/HostedConsole.h>
#include <kernel/platform/hosted/FatImageFileSystem.h>
#include <kernel/platform/hosted/HostedFileSystem.h>
#include <kernel/platform/hosted/MountedFileSystems.h>
#include <kernel/platform/hosted/HostedServices.h>
#include <kernel/sys/Wasi.h>
#include <kernel/sys/ImportSources.h>
#include <kernel/wasm/Runtime.h>
#include <kernel/platform/hosted/HostedSupport.h>

using namespace ath;

namespace {

using wasm::hosted::exit_bad_module;
using wasm::hosted::exit_trap;
using wasm::hosted::exit_usage;

void print_error(const char* what, const Error& error) { wasm::hosted::print_error("azoth-exec", what, error); }

int usage()
{
    fprintf(stderr, "usage: azoth-exec [--tier compiled|interp] [--fuel N] [--coarse-clock] [--env KEY=VALUE]... [--dir HOST[::GUEST]]...\n"
                    "                  [--disk IMAGE[::GUEST]]... FILE.wasm [ARGS...]\n");
    return exit_usage;
}

} // namespace

int main(int argc, char** argv)
{
    Optional<u64> fuel;
    Optional<wasm::ExecutionTier> tier;
    u64 granularity = 1;
    std::vector<StringView> environment;
    struct Directory {
        std::string host;
        std::string guest;
        bool disk { false }; // --disk: host is a FAT disk image
    };
    std::vector<Directory> directories;
    int index = 1;
    for (; index < argc && argv[index][0] == '-'; ++index) {
        StringView flag(argv[index]);
        if (flag == "--fuel" && index + 1 < argc) {
            auto value = StringView(argv[++index]).to_u64();
            if (!value.has_value())
                return usage();
            fuel = *value;
        } else if (flag == "--tier" && index + 1 < argc) {
            StringView name(argv[++index]);
            if (name == "compiled")
                tier = wasm::ExecutionTier::Compiled;
            else if (name == "interp")
                tier = wasm::ExecutionTier::Interpreter;
            else
                return usage();
        } else if (flag == "--coarse-clock") {
            granularity = 1'000'000; // 1 ms: what untrusted modules see
        } else if (flag == "--env" && index + 1 < argc) {
            environment.push_back(StringView(argv[++index]));
        } else if (flag == "--dir" && index + 1 < argc) {
            std::string value(argv[++index]);
            auto separator = value.find("::");
            if (separator == std::string::npos)
                directories.push_back({ value, value });
            else
                directories.push_back({ value.substr(0, separator), value.substr(separator + 2) });
            if (directories.back().host.empty() || directories.back().guest.empty())
                return usage();
        } else if (flag == "--disk" && index + 1 < argc) {
            std::string value(argv[++index]);
            auto separator = value.find("::");
            if (separator == std::string::npos)
                directories.push_back({ value, "/data", true });
            else
                directories.push_back({ value.substr(0, separator), value.substr(separator + 2), true });
            if (directories.back().host.empty() || directories.back().guest.empty())
                return usage();
        } else if (flag == "--help" || flag == "-h") {
            usage();
            return 0;
        } else {
            return usage();
        }
    }
    if (index >= argc)
        return usage();
    const char* path = argv[index];

    std::vector<StringView> arguments;
    for (int i = index; i < argc; ++i)
        arguments.push_back(StringView(argv[i]));

    hosted::HostedAzothEnvironment azoth(tier.value_or(wasm::ExecutionTier::Interpreter));
    auto module = azoth.load_module(path);
    if (module.is_error()) {
        print_error(path, module.error());
        return exit_bad_module;
    }
    auto context = azoth.create_context(StringView("exec"));
    if (context.is_error()) {
        print_error("azoth", context.error());
        return exit_bad_module;
    }

    int status = 0;
    {
        hosted::HostedServices services;
        hosted::HostedConsole console;
        hosted::HostedFileSystem host_files;
        hosted::MountedFileSystems files;
        std::vector<std::unique_ptr<hosted::FatImageFileSystem>> disks;
        u32 host_mount = 0;
        files.add(host_files, host_mount);
        std::vector<sys::WasiPreopen> preopens;
        auto fail = [&](const Directory& directory, const char* what, sys::Errno error) {
            fprintf(stderr, "azoth-exec: %s %s: %s (WASI errno %u)\n", directory.disk ? "--disk" : "--dir", directory.host.c_str(), what,
                static_cast<unsigned>(error));
            for (auto& opened : preopens)
                files.close(opened.node);
            return exit_usage;
        };
        for (auto& directory : directories) {
            sys::FileNode node;
            if (!directory.disk) {
                if (sys::Errno error = hosted::HostedFileSystem::open_directory(directory.host.c_str(), node); error != sys::Errno::Success)
                    return fail(directory, "cannot open this directory", error);
                node = hosted::MountedFileSystems::wrap(host_mount, node);
            } else {
                hosted::FatImageFileSystem* disk = nullptr;
                if (sys::Errno error = hosted::FatImageFileSystem::create(directory.host.c_str(), false, disk); error != sys::Errno::Success)
                    return fail(directory, error == sys::Errno::Invalid ? "no FAT volume on this image" : "cannot open this image", error);
                disks.emplace_back(disk);
                if (disk->volume().is_read_only())
                    fprintf(stderr, "azoth-exec: --disk %s: the FAT volume is inconsistent; mounted read-only (repair: fsck.fat)\n",
                        directory.host.c_str());
                u32 mount = 0;
                if (!files.add(*disk, mount))
                    return fail(directory, "too many mounts", sys::Errno::TooManyFiles);
                if (sys::Errno error = disk->root(node); error != sys::Errno::Success)
                    return fail(directory, "cannot open its root", error);
                node = hosted::MountedFileSystems::wrap(mount, node);
            }
            preopens.push_back({ node, StringView(directory.guest.data(), directory.guest.size()) });
        }
        sys::WasiConfig config;
        for (u32 fd = 0; fd < 3; ++fd)
            config.stdio[fd] = console.stream(fd);
        config.arguments = Span<const StringView>(arguments.data(), arguments.size());
        config.environment = Span<const StringView>(environment.data(), environment.size());
        config.clock_granularity_ns = granularity;
        config.file_system = &files;
        config.preopens = Span<const sys::WasiPreopen>(preopens.data(), preopens.size());
        sys::WasiContext wasi(services, config);

        wasm::Linker linker;
        auto added = linker.add(sys::wasi_module_name, &sys::link_wasi, &wasi);
        if (!added.is_error())
            added = linker.add(sys::azoth_module_name, &sys::link_azoth, context.value());
        if (added.is_error()) {
            print_error("link", added.error());
            return exit_bad_module;
        }
        wasm::Linker::Failure failure;
        auto instance = azoth.instantiate(linker, *module.value(), *context.value(), &failure);
        if (instance.is_error() && failure.at_import) {
            // The same two lines the booted exec mode prints (the import, then the reason naming it).
            int module_length = static_cast<int>(failure.import.module_name.length());
            int field_length = static_cast<int>(failure.import.field_name.length());
            const char* module_name = failure.import.module_name.characters();
            const char* field_name = failure.import.field_name.characters();
            fprintf(stderr, "azoth-exec: cannot link import %.*s.%.*s\n", module_length, module_name, field_length, field_name);
            fprintf(stderr, "azoth-exec: link: %s %.*s.%.*s (%s)\n", instance.error().reason, module_length, module_name, field_length,
                field_name, error_code_name(instance.error().code));
            return exit_bad_module;
        }
        if (instance.is_error()) {
            if (sys::WasiContext::is_exit(instance.error()))
                return static_cast<int>(*wasi.exit_code() & 0xFF);
            print_error("instantiate", instance.error());
            return instance.error().code == ErrorCode::Trap ? exit_trap : exit_bad_module;
        }
        if (tier.has_value()) {
            wasm::Instance& running = *instance.value();
            const char* reason = running.interpreter_reason();
            fprintf(stderr, "azoth-exec: tier %s%s%s%s\n", wasm::execution_tier_name(running.tier()), reason ? " (" : "",
                reason ? reason : "", reason ? ")" : "");
        }
        auto start = instance.value()->find_export("_start");
        if (!start.has_value() || !start->as_function()) {
            fprintf(stderr, "azoth-exec: %s exports no _start function (not a WASI command)\n", path);
            return exit_bad_module;
        }
        azoth.store.set_fuel(fuel);
        auto outcome = context.value()->run(*start->as_function(), {}, {});
        fflush(stdout);
        if (outcome.is_error()) {
            if (sys::WasiContext::is_exit(outcome.error())) {
                status = static_cast<int>(*wasi.exit_code() & 0xFF);
            } else {
                print_error("trap", outcome.error());
                status = exit_trap;
            }
        }
    }
    return status;
}
