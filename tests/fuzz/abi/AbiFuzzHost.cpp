// abi-fuzz-host: runs the generated ABI fuzzer (abi-fuzz.wasm, tests/fuzz/abi) on the hosted kernel
// core, linked with both import modules (WASI and azoth) the way a booted process is, under the
// hosted build's ASan/UBSan (ctest fuzz.abi.hosted).
//
//   abi-fuzz-host FUZZER.wasm [FUZZER ARGS...]
//
// A second instance of the same module is the peer (its azoth_handle serves the endpoint the
// fuzzer finds as "abi-fuzz-echo"; its process is "abi-fuzz-peer"), so handle-taking calls reach
// real objects of every kind. Exit status: the fuzzer's exit code; 70 when it trapped (a call that
// did not come back); 71 when kernel objects outlived both processes (leaked); 65 when it cannot
// be loaded or linked.
#include "../../unit/object/ObjectTestSupport.h"

#include <stdio.h>

#include <vector>

#include <kernel/platform/hosted/HostedAzothEnvironment.h>
#include <kernel/platform/hosted/HostedConsole.h>
#include <kernel/platform/hosted/HostedServices.h>
#include <kernel/sys/ImportSources.h>
#include <kernel/sys/Wasi.h>

using namespace ath;

namespace {

using wasm::hosted::exit_bad_module;
using wasm::hosted::exit_trap;
constexpr int exit_leak = 71;

void print_error(const char* what, const Error& error) { wasm::hosted::print_error("abi-fuzz-host", what, error); }

// One instance of the module with its own process, WASI context and azoth context.
struct Guest {
    sys::AzothContext* azoth { nullptr };
    sys::WasiContext* wasi { nullptr };
    wasm::Instance* instance { nullptr };
};

// The shared hosted environment plus a WASI context per guest (the fuzzer calls both modules).
struct Host : hosted::HostedAzothEnvironment {
    explicit Host(object::ObjectAllocator& object_allocator) : HostedAzothEnvironment(object_allocator) { }

    hosted::HostedServices services;
    hosted::HostedConsole console;
    std::vector<sys::WasiContext*> wasi_contexts;

    ~Host()
    {
        for (auto* context : wasi_contexts)
            delete context;
    }

    Result<Guest> instantiate_guest(const wasm::Module& module, StringView name, Span<const StringView> arguments)
    {
        Guest guest;
        guest.azoth = TRY(create_context(name));
        sys::WasiConfig config;
        config.arguments = arguments;
        for (u32 fd = 0; fd < 3; ++fd)
            config.stdio[fd] = console.stream(fd);
        guest.wasi = new sys::WasiContext(services, config);
        wasi_contexts.push_back(guest.wasi);
        wasm::Linker linker;
        TRY(linker.add(sys::wasi_module_name, &sys::link_wasi, guest.wasi));
        TRY(linker.add(sys::azoth_module_name, &sys::link_azoth, guest.azoth));
        wasm::Linker::Failure failure;
        auto instance = instantiate(linker, module, *guest.azoth, &failure);
        if (instance.is_error() && failure.at_import)
            fprintf(stderr, "abi-fuzz-host: cannot link %.*s.%.*s\n", static_cast<int>(failure.import.module_name.length()),
                failure.import.module_name.characters(), static_cast<int>(failure.import.field_name.length()),
                failure.import.field_name.characters());
        guest.instance = TRY(move(instance));
        return guest;
    }
};

// Gives the fuzzer the peer's endpoint and process under the names its manifest would grant.
ErrorOr grant_peer(Guest& fuzzer, Guest& peer)
{
    auto endpoint = TRY(peer.azoth->create_endpoint());
    auto call = TRY(fuzzer.azoth->process().handles().install(*endpoint, object::Rights::Call | object::Rights::Derive));
    TRY(fuzzer.azoth->name_handle("abi-fuzz-echo", call));
    auto process = TRY(fuzzer.azoth->process().handles().install(peer.azoth->process(), object::Rights::Write | object::Rights::Derive));
    TRY(fuzzer.azoth->name_handle("abi-fuzz-peer", process));
    return {};
}

int run(const char* path, Span<const StringView> arguments, object::ObjectAllocator& objects)
{
    Host host(objects);
    auto module = host.load_module(path);
    if (module.is_error()) {
        print_error(path, module.error());
        return exit_bad_module;
    }
    const StringView peer_arguments[] = { "abi-fuzz", "--serve" };
    auto fuzzer = host.instantiate_guest(*module.value(), "abi-fuzz", arguments);
    auto peer = host.instantiate_guest(*module.value(), "abi-fuzz-peer", Span<const StringView>(peer_arguments, 2));
    if (fuzzer.is_error() || peer.is_error()) {
        print_error("link", fuzzer.is_error() ? fuzzer.error() : peer.error());
        return exit_bad_module;
    }
    if (auto granted = grant_peer(fuzzer.value(), peer.value()); granted.is_error()) {
        print_error("grant", granted.error());
        return exit_bad_module;
    }
    auto start = fuzzer.value().instance->find_export("_start");
    if (!start.has_value() || !start->as_function()) {
        fprintf(stderr, "abi-fuzz-host: %s exports no _start\n", path);
        return exit_bad_module;
    }
    auto outcome = fuzzer.value().azoth->run(*start->as_function(), {}, {});
    fflush(stdout);
    int status = 0;
    if (outcome.is_error()) {
        if (sys::WasiContext::is_exit(outcome.error())) {
            status = static_cast<int>(*fuzzer.value().wasi->exit_code() & 0xFF);
        } else {
            print_error("the fuzzer trapped (a call did not come back)", outcome.error());
            status = exit_trap;
        }
    }
    return status;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: abi-fuzz-host FUZZER.wasm [ARGS...]\n");
        return 64;
    }
    std::vector<StringView> arguments;
    arguments.push_back("abi-fuzz");
    for (int i = 2; i < argc; ++i)
        arguments.push_back(StringView(argv[i]));
    // Both processes end with run()'s host: every kernel object they made must be freed with them.
    object::test_support::CountingAllocator objects;
    int status = run(argv[1], Span<const StringView>(arguments.data(), arguments.size()), objects);
    if (objects.live != 0) {
        fprintf(stderr, "abi-fuzz-host: FAIL %d kernel objects outlived both processes\n", objects.live);
        return exit_leak;
    }
    printf("abi-fuzz-host: exit %d, 0 kernel objects left\n", status);
    return status;
}
