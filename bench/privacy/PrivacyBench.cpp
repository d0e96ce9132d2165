// The privacy benchmark's driver (bench/privacy/run builds it in hosted-release and runs it once):
// instant reset (wasm::InstanceSnapshot over HostedLinearMemoryProvider's dirty tracking) of the
// module tests/privacy/snapshot.wat (1 MiB of linear memory) with 64 KiB and with all 1 MiB
// dirtied, a fresh instantiation of the same module, and fork+exec+exit of a static Linux program
// that touches 64 KiB (bench/privacy/touch64k.c). Prints one JSON object on stdout.
//
// usage: azoth-privacy-bench SNAPSHOT.wasm TOUCH64K
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedSupport.h>
#include <kernel/wasm/Snapshot.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace ath;
using namespace ath::wasm;

namespace {

using Clock = std::chrono::steady_clock;

double microseconds(Clock::duration duration) { return std::chrono::duration<double, std::micro>(duration).count(); }

struct Figures {
    double best { 0 };
    double median { 0 };
};

Figures summarise(std::vector<double> samples)
{
    std::sort(samples.begin(), samples.end());
    return { samples.front(), samples[samples.size() / 2] };
}

[[noreturn]] void fail(const char* what, const Error& error)
{
    std::fprintf(stderr, "azoth-privacy-bench: %s: %s\n", what, error.reason);
    std::exit(1);
}

struct Session {
    wasm::hosted::MallocAllocator& allocator;
    ath::hosted::HostedLinearMemoryProvider provider;
    std::unique_ptr<Store> store;
    Instance* instance { nullptr };
    Function* dirty { nullptr };

    Session(wasm::hosted::MallocAllocator& allocator_, const Module& module) : allocator(allocator_)
    {
        StoreConfig config;
        config.memory_provider = &provider;
        store = std::make_unique<Store>(allocator, config);
        auto made = store->instantiate(module, {});
        if (made.is_error())
            fail("instantiate", made.error());
        instance = made.value();
        dirty = instance->find_export("dirty")->as_function();
    }

    void write_pages(u32 first, u32 count, u32 value)
    {
        Value arguments[] = { Value::from_i32(first), Value::from_i32(count), Value::from_i32(value) };
        if (auto done = store->invoke(*dirty, arguments, {}); done.is_error())
            fail("dirty", done.error());
    }
};

// Reset after `pages` 4 KiB pages were written (the write is not timed; its faults are measured
// separately by write_cost). Returns the reset's figures in microseconds.
Figures reset_cost(Session& session, InstanceSnapshot& snapshot, u32 pages, int rounds)
{
    std::vector<double> samples;
    for (int round = 0; round < rounds; ++round) {
        session.write_pages(0, pages, static_cast<u32>(round + 1));
        SnapshotRestoreStats stats;
        auto started = Clock::now();
        auto restored = snapshot.restore(&stats);
        auto took = Clock::now() - started;
        if (restored.is_error())
            fail("restore", restored.error());
        if (stats.pages_restored != pages) {
            std::fprintf(stderr, "azoth-privacy-bench: restored %llu pages, %u were written\n", static_cast<unsigned long long>(stats.pages_restored), pages);
            std::exit(1);
        }
        samples.push_back(microseconds(took));
    }
    return summarise(samples);
}

// The module writing `pages` pages: tracked (one write fault per page) or not.
Figures write_cost(Session& session, InstanceSnapshot* snapshot, u32 pages, int rounds)
{
    std::vector<double> samples;
    for (int round = 0; round < rounds; ++round) {
        auto started = Clock::now();
        session.write_pages(0, pages, static_cast<u32>(round + 1));
        samples.push_back(microseconds(Clock::now() - started));
        if (snapshot)
            (void)snapshot->restore();
    }
    return summarise(samples);
}

Figures instantiate_cost(wasm::hosted::MallocAllocator& allocator, const Module& module, int rounds, Figures& teardown)
{
    std::vector<double> samples, teardowns;
    ath::hosted::HostedLinearMemoryProvider provider;
    for (int round = 0; round < rounds; ++round) {
        StoreConfig config;
        config.memory_provider = &provider;
        auto started = Clock::now();
        auto* store = new Store(allocator, config);
        auto made = store->instantiate(module, {});
        auto took = Clock::now() - started;
        if (made.is_error())
            fail("instantiate", made.error());
        samples.push_back(microseconds(took));
        started = Clock::now();
        delete store;
        teardowns.push_back(microseconds(Clock::now() - started));
    }
    teardown = summarise(teardowns);
    return summarise(samples);
}

Figures fork_exec_cost(const char* program, int rounds)
{
    std::vector<double> samples;
    for (int round = 0; round < rounds; ++round) {
        auto started = Clock::now();
        pid_t child = fork();
        if (child == 0) {
            char* const arguments[] = { const_cast<char*>(program), nullptr };
            execv(program, arguments);
            _exit(127);
        }
        int status = 0;
        if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "azoth-privacy-bench: %s did not run (status %d)\n", program, status);
            std::exit(1);
        }
        samples.push_back(microseconds(Clock::now() - started));
    }
    return summarise(samples);
}

void print(const char* key, const Figures& figures, bool last = false)
{
    std::printf("  \"%s_us\": %.3f,\n  \"%s_median_us\": %.3f%s\n", key, figures.best, key, figures.median, last ? "" : ",");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: azoth-privacy-bench SNAPSHOT.wasm TOUCH64K\n");
        return 64;
    }
    bool quick = std::getenv("AZOTH_BENCH_QUICK") != nullptr;
    int rounds = quick ? 200 : 2000;
    wasm::hosted::MallocAllocator allocator;
    auto module = wasm::hosted::load_module_file(allocator, argv[1]);
    if (module.is_error())
        fail("module", module.error());

    Session session(allocator, module.value());
    auto captured = InstanceSnapshot::capture(*session.store, *session.instance);
    if (captured.is_error())
        fail("snapshot", captured.error());
    InstanceSnapshot* snapshot = captured.value();
    if (!snapshot->tracks_writes()) {
        std::fprintf(stderr, "azoth-privacy-bench: the hosted provider did not track writes\n");
        return 1;
    }
    u64 memory_bytes = session.instance->default_memory()->size_in_bytes();
    Figures reset_64k = reset_cost(session, *snapshot, 16, rounds);
    Figures reset_1mib = reset_cost(session, *snapshot, 256, rounds / 4);
    Figures write_64k_tracked = write_cost(session, snapshot, 16, rounds);
    Session untracked(allocator, module.value());
    Figures write_64k_untracked = write_cost(untracked, nullptr, 16, rounds);
    Figures teardown;
    Figures instantiate = instantiate_cost(allocator, module.value(), rounds / 2, teardown);
    Figures fork_exec = fork_exec_cost(argv[2], quick ? 50 : 300);
    u64 footprint = snapshot->footprint_bytes();
    InstanceSnapshot::destroy(snapshot);

    std::printf("{\n  \"memory_bytes\": %llu,\n  \"snapshot_footprint_bytes\": %llu,\n", static_cast<unsigned long long>(memory_bytes),
        static_cast<unsigned long long>(footprint));
    print("reset_64k_dirty", reset_64k);
    print("reset_1mib_dirty", reset_1mib);
    print("write_64k_tracked", write_64k_tracked);
    print("write_64k_untracked", write_64k_untracked);
    print("instantiate", instantiate);
    print("teardown", teardown);
    print("fork_exec", fork_exec, true);
    std::printf("}\n");
    return 0;
}
