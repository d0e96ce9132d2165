// The IPC benchmark: one process measures, side by side on this machine,
//   native_call      a C++ indirect call (the floor)
//   azoth_call       module -> module through azoth.call on the engine (empty message, 4 words)
//   azoth_call_compiled  the same with client and server on the compiled tier
//   kernel_call      the kernel's call path alone (capability check + process switch) with a
//                    native handler, no engine
//   pipe / unix socket round trips between two processes, a futex ping-pong between two threads
//   memcpy of 1 MiB vs mapping a 1 MiB Region into a linear memory (zero copy)
// Every figure is the best (minimum) per-operation time over many short batches (each well under
// a scheduler time slice): the machine is shared, and interference only ever adds time, so the
// minimum is the most repeatable figure. Prints one JSON object on stdout.
#include <kernel/ipc/Call.h>
#include <kernel/object/Region.h>
#include <kernel/platform/hosted/HostedAzothEnvironment.h>
#include <kernel/sys/ImportSources.h>

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#    include <x86intrin.h>
static unsigned long long read_cycles() { return __rdtsc(); }
static constexpr bool have_cycles = true;
#else
static unsigned long long read_cycles() { return 0; }
static constexpr bool have_cycles = false;
#endif

using namespace ath;
using Clock = std::chrono::steady_clock;

namespace {

struct Measurement {
    double ns { 0 };
    double cycles { 0 };
    double median_ns { 0 };
};

// The middle of `values` (sorted in place; the upper middle for an even count).
double median(std::vector<double>& values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Runs `body(iterations)` `batches` times; returns the best per-iteration time (and its cycles)
// and the median over the batches.
Measurement best_of(int batches, u64 iterations, const std::function<void(u64)>& body)
{
    Measurement best { 1e300, 1e300, 0 };
    std::vector<double> all;
    for (int batch = 0; batch < batches; ++batch) {
        auto start = Clock::now();
        unsigned long long cycles_start = read_cycles();
        body(iterations);
        unsigned long long cycles_end = read_cycles();
        double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(iterations);
        double cycles = static_cast<double>(cycles_end - cycles_start) / static_cast<double>(iterations);
        all.push_back(ns);
        if (ns < best.ns) {
            best.ns = ns;
            best.cycles = cycles;
        }
    }
    best.median_ns = median(all);
    return best;
}

[[noreturn]] void die(const char* what, const Error& error)
{
    std::fprintf(stderr, "ipc-bench: %s: %s\n", what, error.reason);
    std::exit(1);
}

template<typename T>
T must(Result<T> result, const char* what)
{
    if (result.is_error())
        die(what, result.error());
    return result.release_value();
}

void must(ErrorOr result, const char* what)
{
    if (result.is_error())
        die(what, result.error());
}

// --- native floor ------------------------------------------------------------------------------

__attribute__((noinline)) u64 native_handler(u64 a, u64 b, u64 c, u64 d) { return a + b + c + d; }
u64 (*volatile native_target)(u64, u64, u64, u64) = native_handler;

int batches = 200;

Measurement measure_native_call(u64 iterations)
{
    return best_of(batches, iterations, [](u64 n) {
        u64 sum = 0;
        for (u64 i = 0; i < n; ++i)
            sum += native_target(i, 1, 2, 3);
        asm volatile("" : : "r"(sum));
    });
}

// --- the azoth path ----------------------------------------------------------------------------

// The shared hosted environment (kernel objects in malloc'd memory), loading the example modules.
struct Modules : hosted::HostedAzothEnvironment {
    using HostedAzothEnvironment::HostedAzothEnvironment;
    // `call_stand_in`: link azoth.call to this function instead of the kernel's (for the breakdown).
    std::pair<sys::AzothContext*, wasm::Instance*> load(const std::string& path, const char* name, wasm::Function* call_stand_in = nullptr)
    {
        const wasm::Module* module = must(load_module(path.c_str()), "load module");
        auto* context = must(create_context(StringView(name, std::strlen(name))), "context");
        // azoth.* from the context; `call` from the stand-in first when there is one.
        wasm::Linker linker;
        auto link_stand_in = [](void* function, wasm::Store&, const wasm::ImportDescription& import) -> Result<wasm::Extern> {
            if (import.field_name != "call")
                return Error::from(ErrorCode::Unlinkable, "unknown import");
            return wasm::Extern::from(static_cast<wasm::Function*>(function));
        };
        if (call_stand_in)
            must(linker.add(sys::azoth_module_name, link_stand_in, call_stand_in), "link");
        must(linker.add(sys::azoth_module_name, &sys::link_azoth, context), "link");
        return { context, must(instantiate(linker, *module, *context), "instantiate") };
    }
};

Measurement measure_module_loop(Modules& modules, sys::AzothContext& client, wasm::Instance& instance, const char* loop,
    object::Handle endpoint, u64 iterations)
{
    wasm::Function* function = instance.find_export(loop)->as_function();
    return best_of(batches, iterations, [&](u64 n) {
        wasm::Value arguments[2] = { wasm::Value::from_i32(endpoint), wasm::Value::from_i32(static_cast<u32>(n)) };
        wasm::Value result[1];
        must(client.run(*function, arguments, result), loop);
        if (result[0].type() == wasm::ValueType::I32 && result[0].as_i32() != 0)
            die(loop, Error::from(ErrorCode::Invalid, "a call failed"));
    });
}

// The breakdown of a module->module call into its engine halves (the kernel half is kernel_call):
//   host_exit   the client's ping_loop with azoth.call linked to a slot host function that only
//               answers OK: the client's loop + leaving Wasm for a host function and coming back
//   invoke_i64  Store::invoke_i64 of the server's azoth_handle(0,0,0,0) from C++: entering the
//               server's Wasm, its handler, and leaving it
ErrorOr answer_ok(wasm::HostCall&, const u64*, u64* results)
{
    results[0] = 0;
    return {};
}

Measurement measure_invoke_handler(Modules& modules, wasm::Instance& server, u64 iterations)
{
    wasm::Function* handler = server.find_export("azoth_handle")->as_function();
    return best_of(batches, iterations, [&](u64 n) {
        u64 arguments[4] = { 0, 0, 0, 0 };
        u64 result[1];
        for (u64 i = 0; i < n; ++i)
            must(modules.store.invoke_i64(*handler, Span<const u64>(arguments, 4), Span<u64>(result, 1)), "invoke_i64");
    });
}

// Both targets answer w0 + w1.
object::CallWords sum_reply(const object::CallWords& message)
{
    object::CallWords reply;
    reply.words[0] = message.words[0] + message.words[1];
    return reply;
}

struct EmptyTarget final : object::CallTarget {
    Result<object::CallWords> handle(object::ProcessObject&, const object::CallWords& message) override { return sum_reply(message); }
};

// The same handler in the form azoth.call's path uses as well (the reply written in place).
struct InPlaceTarget final : object::CallTarget {
    Result<object::CallWords> handle(object::ProcessObject&, const object::CallWords& message) override { return sum_reply(message); }
    ErrorOr handle_into(object::ProcessObject&, const object::CallWords& message, object::CallWords& reply) override
    {
        reply.words[0] = message.words[0] + message.words[1];
        return {};
    }
};

// The kernel half of a call alone: a client and a server process, an endpoint of the server to
// `target` and a Call handle to it in the client, which is entered in modules.calls while
// calls(handle, n) is timed; both processes end afterwards.
template<typename Calls>
Measurement measure_kernel_calls(Modules& modules, object::CallTarget& target, u64 iterations, Calls calls)
{
    auto client = must(object::ProcessObject::create(modules.objects, modules.space, "bench-client"), "process");
    auto server = must(object::ProcessObject::create(modules.objects, modules.space, "bench-server"), "process");
    auto endpoint = must(object::Endpoint::create(modules.objects, *server, target), "endpoint");
    object::Handle handle = must(client->handles().install(*endpoint, object::Rights::Call), "install");
    modules.calls.enter(*client);
    auto result = best_of(batches, iterations, [&](u64 n) { calls(handle, n); });
    modules.calls.leave();
    client->terminate();
    server->terminate();
    return result;
}

// The kernel path as azoth.call runs it: CallStack::call with the reply by reference, the
// handler writing it in place (kernel_call below goes through the Result-returning forms).
Measurement measure_kernel_call_in_place(Modules& modules, u64 iterations)
{
    InPlaceTarget target;
    return measure_kernel_calls(modules, target, iterations, [&](object::Handle handle, u64 n) {
        u64 sum = 0;
        object::CallWords reply;
        for (u64 i = 0; i < n; ++i) {
            if (modules.calls.call(handle, object::CallWords { { i, 1, 2, 3 } }, reply).is_error()) [[unlikely]]
                std::abort();
            sum += reply.words[0];
        }
        asm volatile("" : : "r"(sum));
    });
}

Measurement measure_kernel_call(Modules& modules, u64 iterations)
{
    EmptyTarget target;
    return measure_kernel_calls(modules, target, iterations, [&](object::Handle handle, u64 n) {
        u64 sum = 0;
        for (u64 i = 0; i < n; ++i)
            sum += must(modules.calls.call(handle, object::CallWords { { i, 1, 2, 3 } }), "call").words[0];
        asm volatile("" : : "r"(sum));
    });
}

// --- Linux anchors -----------------------------------------------------------------------------

// The parent sends one byte on parent_out and waits for it on parent_in; a forked child echoes.
// Each side closes the other's ends so that closing parent_out ends the child (EOF).
Measurement measure_fd_round_trip(int parent_out, int parent_in, int child_in, int child_out, u64 iterations)
{
    pid_t child = fork();
    if (child == 0) {
        close(parent_out);
        if (parent_in != parent_out)
            close(parent_in);
        char byte;
        while (read(child_in, &byte, 1) == 1) {
            if (write(child_out, &byte, 1) != 1)
                break;
        }
        _exit(0);
    }
    close(child_in);
    if (child_out != child_in)
        close(child_out);
    auto result = best_of(batches / 4, iterations, [&](u64 n) {
        char byte = 1;
        for (u64 i = 0; i < n; ++i) {
            if (write(parent_out, &byte, 1) != 1 || read(parent_in, &byte, 1) != 1)
                std::abort();
        }
    });
    close(parent_out);
    if (parent_in != parent_out)
        close(parent_in);
    waitpid(child, nullptr, 0);
    return result;
}

Measurement measure_pipe(u64 iterations)
{
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0)
        std::abort();
    return measure_fd_round_trip(to_child[1], to_parent[0], to_child[0], to_parent[1], iterations);
}

Measurement measure_unix_socket(u64 iterations)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
        std::abort();
    return measure_fd_round_trip(pair[0], pair[0], pair[1], pair[1], iterations);
}

long futex(std::atomic<u32>* word, int op, u32 value)
{
    return syscall(SYS_futex, reinterpret_cast<u32*>(word), op | FUTEX_PRIVATE_FLAG, value, nullptr, nullptr, 0);
}

Measurement measure_futex(u64 iterations)
{
    // word: 0 = ping's turn, 1 = pong's turn. Each side sleeps in the kernel until its turn.
    std::atomic<u32> word { 0 };
    std::atomic<bool> stop { false };
    std::thread pong([&] {
        while (true) {
            u32 value = word.load();
            if (value == 1) {
                word.store(0);
                futex(&word, FUTEX_WAKE, 1);
            } else if (stop.load()) {
                return;
            } else {
                futex(&word, FUTEX_WAIT, value);
            }
        }
    });
    auto result = best_of(batches / 4, iterations, [&](u64 n) {
        for (u64 i = 0; i < n; ++i) {
            word.store(1);
            futex(&word, FUTEX_WAKE, 1);
            while (word.load() == 1)
                futex(&word, FUTEX_WAIT, 1);
        }
    });
    stop.store(true);
    word.store(2);
    futex(&word, FUTEX_WAKE, 1);
    pong.join();
    return result;
}

// --- bulk data ---------------------------------------------------------------------------------

constexpr u64 mib = 1 << 20;

Measurement measure_memcpy(u64 iterations)
{
    std::vector<u8> source(mib, 7), destination(mib, 0);
    return best_of(batches / 4, iterations, [&](u64 n) {
        for (u64 i = 0; i < n; ++i) {
            std::memcpy(destination.data(), source.data(), mib);
            asm volatile("" : : "r"(destination.data()) : "memory");
        }
    });
}

struct ZeroCopy {
    Measurement map;          // handle check + mapping the region's pages over the range
    Measurement unmap;        // private zero pages back
    Measurement map_and_touch; // map + reading one byte of every page (page faults included)
};

ZeroCopy measure_zero_copy(Modules& modules)
{
    auto region = must(object::Region::create(modules.objects, modules.mapper, mib), "region");
    std::memset(region->kernel_bytes().data(), 9, mib);
    auto memory = must(hosted::LinearMemoryReservation::create(4 * mib), "reservation");
    must(memory.commit(4 * mib), "commit");
    auto process = must(object::ProcessObject::create(modules.objects, modules.space, "bench-map"), "process");
    process->attach_memory(&memory, &modules.mapper);
    object::Handle handle = must(process->handles().install(*region, object::Rights::Read | object::Rights::Map), "install");

    ZeroCopy result;
    result.map = { 1e300, 1e300, 0 };
    result.unmap = { 1e300, 1e300, 0 };
    result.map_and_touch = { 1e300, 1e300, 0 };
    std::vector<double> maps, unmaps, touches;
    for (int round = 0; round < 200; ++round) {
        auto start = Clock::now();
        auto cycles = read_cycles();
        must(process->map_region(handle, mib, false), "map");
        double map_cycles = static_cast<double>(read_cycles() - cycles);
        double map_ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
        maps.push_back(map_ns);
        if (map_ns < result.map.ns)
            result.map = { map_ns, map_cycles, 0 };
        start = Clock::now();
        cycles = read_cycles();
        must(process->unmap_region(mib), "unmap");
        double unmap_ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
        unmaps.push_back(unmap_ns);
        if (unmap_ns < result.unmap.ns)
            result.unmap = { unmap_ns, static_cast<double>(read_cycles() - cycles), 0 };

        start = Clock::now();
        cycles = read_cycles();
        must(process->map_region(handle, mib, false), "map");
        u64 sum = 0;
        for (u64 offset = 0; offset < mib; offset += page_size)
            sum += memory.base()[mib + offset];
        double touch_ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
        double touch_cycles = static_cast<double>(read_cycles() - cycles);
        if (sum != 9 * (mib / page_size))
            die("zero copy", Error::from(ErrorCode::Invalid, "mapped bytes are not the region's"));
        touches.push_back(touch_ns);
        if (touch_ns < result.map_and_touch.ns)
            result.map_and_touch = { touch_ns, touch_cycles, 0 };
        must(process->unmap_region(mib), "unmap");
    }
    process->terminate();
    result.map.median_ns = median(maps);
    result.unmap.median_ns = median(unmaps);
    result.map_and_touch.median_ns = median(touches);
    return result;
}

// Anchors for the map: the bare Linux calls on this machine, in the same run. A 1 MiB memfd
// (pages already in the page cache, as a region's are) mapped MAP_SHARED|MAP_FIXED over
//   - private anonymous pages never touched (what HostedPageMapper maps over after an unmap),
//   - a PROT_NONE reservation (a hole kept free for mappings),
// and put back with a MAP_FIXED private anonymous mapping (what the unmap does).
struct BareMaps {
    Measurement null_syscall; // getppid: the floor of any kernel entry on this machine
    Measurement over_private;
    Measurement over_prot_none;
    Measurement private_back;
};

BareMaps measure_bare_maps()
{
    int fd = memfd_create("ipc-bench-anchor", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, mib) != 0)
        std::abort();
    u8* view = static_cast<u8*>(mmap(nullptr, mib, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (view == MAP_FAILED)
        std::abort();
    std::memset(view, 9, mib);
    u8* area = static_cast<u8*>(mmap(nullptr, 4 * mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    if (area == MAP_FAILED)
        std::abort();
    u8* destination = area + mib;
    auto timed = [](Measurement& best, std::vector<double>& all, auto&& body) {
        auto start = Clock::now();
        auto cycles = read_cycles();
        body();
        double c = static_cast<double>(read_cycles() - cycles);
        double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
        all.push_back(ns);
        if (ns < best.ns)
            best = { ns, c, 0 };
    };
    auto must_map = [](void* result, void* where) {
        if (result != where)
            std::abort();
    };
    BareMaps result { {}, { 1e300, 1e300, 0 }, { 1e300, 1e300, 0 }, { 1e300, 1e300, 0 } };
    result.null_syscall = best_of(batches / 4, 1000, [](u64 n) {
        for (u64 i = 0; i < n; ++i)
            syscall(SYS_getppid);
    });
    std::vector<double> over_private, over_prot_none, back;
    for (int round = 0; round < 200; ++round) {
        timed(result.over_private, over_private,
            [&] { must_map(mmap(destination, mib, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), destination); });
        if (destination[mib - 1] != 9)
            std::abort();
        timed(result.private_back, back, [&] {
            must_map(mmap(destination, mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), destination);
        });
        must_map(mmap(destination, mib, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0), destination);
        timed(result.over_prot_none, over_prot_none,
            [&] { must_map(mmap(destination, mib, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), destination); });
        must_map(mmap(destination, mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), destination);
    }
    result.over_private.median_ns = median(over_private);
    result.over_prot_none.median_ns = median(over_prot_none);
    result.private_back.median_ns = median(back);
    munmap(area, 4 * mib);
    munmap(view, mib);
    close(fd);
    return result;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: azoth-ipc-bench MODULE_DIR\n");
        return 2;
    }
    std::string module_dir = argv[1];
    if (std::getenv("AZOTH_BENCH_QUICK"))
        batches = 20;

    Measurement native = measure_native_call(100'000);

    Modules modules;
    auto [client, client_instance] = modules.load(module_dir + "/ipc-client.wasm", "client");
    auto [server, server_instance] = modules.load(module_dir + "/ipc-server.wasm", "server");
    auto endpoint = must(server->create_endpoint(), "endpoint");
    object::Handle handle = must(client->process().handles().install(*endpoint, object::Rights::Call), "install");
    if (const char* profile = std::getenv("AZOTH_BENCH_PROFILE_CALLS")) {
        // Profiling aid (perf record): only the module->module loop, for `profile` seconds' worth.
        auto until = Clock::now() + std::chrono::seconds(std::atoi(profile));
        while (Clock::now() < until) {
            if (std::getenv("AZOTH_BENCH_PROFILE_INVOKE"))
                (void)measure_invoke_handler(modules, *server_instance, 2'000);
            else
                (void)measure_module_loop(modules, *client, *client_instance, "sum_loop", handle, 2'000);
        }
        return 0;
    }
    Measurement azoth_empty = measure_module_loop(modules, *client, *client_instance, "ping_loop", handle, 2'000);
    Measurement azoth_words = measure_module_loop(modules, *client, *client_instance, "sum_loop", handle, 2'000);
    // The same two modules, both compiled (their own environment: a Store asks for one tier).
    Modules compiled_modules { wasm::ExecutionTier::Compiled };
    auto [compiled_client, compiled_client_instance] = compiled_modules.load(module_dir + "/ipc-client.wasm", "client");
    auto [compiled_server, compiled_server_instance] = compiled_modules.load(module_dir + "/ipc-server.wasm", "server");
    for (wasm::Instance* instance : { compiled_client_instance, compiled_server_instance }) {
        if (instance->tier() != wasm::ExecutionTier::Compiled)
            die("compiled tier", Error::from(ErrorCode::Unsupported, instance->interpreter_reason() ? instance->interpreter_reason() : "not compiled"));
    }
    auto compiled_endpoint = must(compiled_server->create_endpoint(), "endpoint");
    object::Handle compiled_handle = must(compiled_client->process().handles().install(*compiled_endpoint, object::Rights::Call), "install");
    Measurement compiled_empty = measure_module_loop(compiled_modules, *compiled_client, *compiled_client_instance, "ping_loop", compiled_handle, 2'000);
    Measurement compiled_words = measure_module_loop(compiled_modules, *compiled_client, *compiled_client_instance, "sum_loop", compiled_handle, 2'000);
    Measurement kernel_call = measure_kernel_call(modules, 20'000);
    Measurement kernel_call_in_place = measure_kernel_call_in_place(modules, 20'000);
    using wasm::ValueType;
    static constexpr ValueType call_parameters[] = { ValueType::I32, ValueType::I64, ValueType::I64, ValueType::I64, ValueType::I64, ValueType::I32 };
    static constexpr ValueType call_results[] = { ValueType::I32 };
    wasm::Function* stand_in = must(modules.store.create_slot_host_function(wasm::FunctionType { call_parameters, call_results }, &answer_ok, nullptr), "stand-in");
    auto [bare_client, bare_client_instance] = modules.load(module_dir + "/ipc-client.wasm", "bare-client", stand_in);
    Measurement host_exit = measure_module_loop(modules, *bare_client, *bare_client_instance, "ping_loop", handle, 2'000);
    Measurement invoke_handler = measure_invoke_handler(modules, *server_instance, 20'000);
    Measurement invoke_compiled_handler = measure_invoke_handler(compiled_modules, *compiled_server_instance, 20'000);

    Measurement pipe_trip = measure_pipe(200);
    Measurement socket_trip = measure_unix_socket(200);
    Measurement futex_trip = measure_futex(200);
    Measurement copy = measure_memcpy(4);
    ZeroCopy zero_copy = measure_zero_copy(modules);
    BareMaps bare = measure_bare_maps();

    std::printf("{\n");
    std::printf("  \"cycles_available\": %s,\n", have_cycles ? "true" : "false");
    auto emit = [](const char* key, const Measurement& m, bool last = false) {
        std::printf("  \"%s_ns\": %.2f,\n  \"%s_cycles\": %.1f,\n  \"%s_median_ns\": %.2f%s\n", key, m.ns, key, m.cycles, key,
            m.median_ns, last ? "" : ",");
    };
    emit("native_call", native);
    emit("azoth_call", azoth_empty);
    emit("azoth_call_4words", azoth_words);
    emit("azoth_call_compiled", compiled_empty);
    emit("azoth_call_compiled_4words", compiled_words);
    emit("kernel_call_native_handler", kernel_call);
    emit("kernel_call_in_place", kernel_call_in_place);
    emit("breakdown_client_loop_and_host_exit", host_exit);
    emit("breakdown_invoke_server_handler", invoke_handler);
    emit("breakdown_invoke_compiled_server_handler", invoke_compiled_handler);
    emit("pipe", pipe_trip);
    emit("futex", futex_trip);
    emit("unix_socket", socket_trip);
    emit("memcpy_1mib", copy);
    emit("zero_copy_1mib", zero_copy.map);
    emit("zero_copy_1mib_unmap", zero_copy.unmap);
    emit("zero_copy_1mib_map_and_touch", zero_copy.map_and_touch);
    emit("bare_null_syscall", bare.null_syscall);
    emit("bare_mmap_fixed_memfd_over_private", bare.over_private);
    emit("bare_mmap_fixed_memfd_over_prot_none", bare.over_prot_none);
    emit("bare_mmap_fixed_private_back", bare.private_back, true);
    std::printf("}\n");
    return 0;
}
