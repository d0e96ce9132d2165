// `bench-ipc` (bench/ipc/run, ./azoth run --cmdline bench-ipc): IPC costs measured in the booted
// kernel, printed as "bench-ipc: NAME VALUE UNIT" lines:
//   native_call          an indirect call in the kernel (the floor), ns and cycles
//   kernel_call          CallStack::call to a native handler: capability check + switch, no engine
//   memcpy_1mib          copying 1 MiB in the kernel
//   zero_copy_1mib       KernelPageMapper: mapping a 1 MiB region into a linear memory (256 PTEs
//                        replaced + TLB flush), and its unmap (private zeroed pages back)
//   azoth_call, azoth_call_4words   module -> module across two processes (bench/ipc/booted:
//                        ipc-bench calls ipc-echo; measured by the module with the WASI clock)
// Each figure is the best of several batches (median beside it). Cycles come from
// Arch::cycle_counter (x86_64 rdtsc, aarch64 cntvct, riscv64 rdtime) and `cycles_per_ns` relates
// them to the clock for the module figures. Under QEMU TCG every figure is emulation time.
#include <kernel/arch/Arch.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/KernelHeap.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/object/Endpoint.h>
#include <kernel/main/BootMode.h>
#include <kernel/process/ModuleTable.h>
#include <kernel/process/Process.h>
#include <kernel/process/ProcessIpc.h>
#include <kernel/platform/kernel/KernelDevices.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath::process {

namespace {

constexpr usize batches = 15;

struct Figure {
    u64 best_ps { ~0ull };     // picoseconds per operation (one decimal of ns survives)
    u64 median_ps { 0 };
    u64 best_cycles_x10 { ~0ull };
};

void sort(u64* values, usize count)
{
    for (usize i = 1; i < count; ++i) {
        for (usize j = i; j > 0 && values[j - 1] > values[j]; --j) {
            u64 swap = values[j];
            values[j] = values[j - 1];
            values[j - 1] = swap;
        }
    }
}

// Runs body(operations) `batches` times and keeps the best and median time per operation.
template<typename Body>
Figure measure(u64 operations, Body body)
{
    u64 picoseconds[batches];
    u64 cycles[batches];
    for (usize batch = 0; batch < batches; ++batch) {
        u64 start_cycles = Arch::cycle_counter();
        u64 start = Arch::clock_nanoseconds();
        body(operations);
        u64 elapsed = Arch::clock_nanoseconds() - start;
        cycles[batch] = (Arch::cycle_counter() - start_cycles) * 10 / operations;
        picoseconds[batch] = elapsed * 1000 / operations;
    }
    sort(picoseconds, batches);
    sort(cycles, batches);
    return Figure { picoseconds[0], picoseconds[batches / 2], cycles[0] };
}

void print_tenths(StringView name, u64 tenths, StringView unit)
{
    println("bench-ipc: {} {}.{} {}", name, tenths / 10, tenths % 10, unit);
}

void report(StringView key, const Figure& figure)
{
    char name[64];
    auto named = [&](StringView suffix) {
        usize length = 0;
        for (char c : key)
            name[length++] = c;
        for (char c : suffix)
            name[length++] = c;
        return StringView(name, length);
    };
    print_tenths(named("_ns"), figure.best_ps / 100, "ns");
    print_tenths(named("_median_ns"), figure.median_ps / 100, "ns");
    print_tenths(named("_cycles"), figure.best_cycles_x10, "cycles");
}

[[gnu::noinline]] u64 native_target(u64 value) { return value + 1; }
u64 (*volatile g_native)(u64) = native_target;

class NativeEcho final : public object::CallTarget {
public:
    Result<object::CallWords> handle(object::ProcessObject&, const object::CallWords& message) override { return message; }
};

ErrorOr kernel_figures()
{
    // Cycles per ns over 20 ms of the clock (for the module figures, measured in ns).
    u64 cycles_start = Arch::cycle_counter();
    u64 start = Arch::clock_nanoseconds();
    while (Arch::clock_nanoseconds() - start < 20'000'000) { }
    u64 cycles = Arch::cycle_counter() - cycles_start;
    u64 elapsed = Arch::clock_nanoseconds() - start;
    u64 thousandths = cycles % elapsed * 1000 / elapsed;
    println("bench-ipc: cycles_per_ns {}.{}{}{} ratio", cycles / elapsed, thousandths / 100, thousandths / 10 % 10, thousandths % 10);

    report("native_call", measure(100'000, [](u64 count) {
        u64 sum = 0;
        for (u64 i = 0; i < count; ++i)
            sum += g_native(i);
        asm volatile("" : : "r"(sum));
    }));

    auto& allocator = sys::kernel_object_allocator();
    auto& space = kernel_capability_space();
    auto client = TRY(object::ProcessObject::create(allocator, space, "bench-client"));
    auto server = TRY(object::ProcessObject::create(allocator, space, "bench-server"));
    NativeEcho echo;
    auto endpoint = TRY(object::Endpoint::create(allocator, *server, echo));
    object::Handle handle = TRY(client->handles().install(*endpoint, object::Rights::Call));
    ipc::CallStack calls;
    calls.enter(*client);
    bool failed = false;
    report("kernel_call", measure(20'000, [&](u64 count) {
        u64 sum = 0;
        for (u64 i = 0; i < count; ++i) {
            auto reply = calls.call(handle, object::CallWords { { i, 1, 2, 3 } });
            failed |= reply.is_error();
            sum += reply.is_error() ? 0 : reply.value().words[0];
        }
        asm volatile("" : : "r"(sum));
    }));
    calls.leave();
    client->terminate();
    server->terminate();
    if (failed)
        return Error::from(ErrorCode::Invalid, "a kernel call failed");

    // 1 MiB: memcpy against mapping a region over a linear memory.
    constexpr u64 mib = 1 << 20;
    auto& mapper = sys::KernelPageMapper::instance();
    auto& memories = sys::KernelLinearMemory::instance();
    auto pages = TRY(mapper.create_pages(mib));
    auto base = memories.resize(nullptr, 0, 2 * mib, 2 * mib);
    if (base.is_error()) {
        mapper.destroy_pages(pages);
        return base.release_error();
    }
    u8* memory = base.value();
    report("memcpy_1mib", measure(1, [&](u64) {
        __builtin_memcpy(memory, pages.kernel_view, mib);
        asm volatile("" : : "r"(memory) : "memory");
    }));
    Figure map_figure, unmap_figure;
    u64 map_ps[batches], unmap_ps[batches], map_cycles[batches], unmap_cycles[batches];
    for (usize batch = 0; batch < batches && !failed; ++batch) {
        u64 c0 = Arch::cycle_counter();
        u64 t0 = Arch::clock_nanoseconds();
        failed |= mapper.map(pages, 0, memory + mib, mib, true).is_error();
        u64 t1 = Arch::clock_nanoseconds();
        u64 c1 = Arch::cycle_counter();
        pages.kernel_view[4096 * 7] = static_cast<u8>(batch + 1);
        failed |= memory[mib + 4096 * 7] != static_cast<u8>(batch + 1); // really the region's bytes
        u64 c2 = Arch::cycle_counter();
        u64 t2 = Arch::clock_nanoseconds();
        failed |= mapper.unmap(memory + mib, mib).is_error();
        u64 t3 = Arch::clock_nanoseconds();
        u64 c3 = Arch::cycle_counter();
        map_ps[batch] = (t1 - t0) * 1000;
        unmap_ps[batch] = (t3 - t2) * 1000;
        map_cycles[batch] = (c1 - c0) * 10;
        unmap_cycles[batch] = (c3 - c2) * 10;
    }
    memories.release(memory, 2 * mib, 2 * mib);
    mapper.destroy_pages(pages);
    if (failed)
        return Error::from(ErrorCode::Invalid, "mapping the region failed or did not share its bytes");
    sort(map_ps, batches);
    sort(unmap_ps, batches);
    sort(map_cycles, batches);
    sort(unmap_cycles, batches);
    map_figure = { map_ps[0], map_ps[batches / 2], map_cycles[0] };
    unmap_figure = { unmap_ps[0], unmap_ps[batches / 2], unmap_cycles[0] };
    report("zero_copy_1mib", map_figure);
    report("zero_copy_1mib_unmap", unmap_figure);
    return {};
}

// The module pair from bench/ (not modules/, so init never starts them).
struct BenchModule {
    StringView name;
    ModuleEntry manifest;
};

Result<ModuleEntry> load_bench_module(const initrd::TarArchive& initrd, StringView name, StringView wasm_path, StringView manifest_path)
{
    auto wasm = initrd.find(wasm_path);
    auto text = initrd.find(manifest_path);
    if (!wasm.has_value() || !text.has_value())
        return Error::from(ErrorCode::NotFound, "the initrd lacks the bench modules");
    return ModuleTable::parse(name, StringView(reinterpret_cast<const char*>(text->contents.data()), text->contents.size()), wasm->contents);
}

ErrorOr module_figures(const initrd::TarArchive& initrd)
{
    // Static: the processes keep views of the manifests until they end.
    static ModuleEntry server, client;
    server = TRY(load_bench_module(initrd, "ipc-echo", "bench/ipc-echo.wasm", "bench/ipc-echo.manifest"));
    client = TRY(load_bench_module(initrd, "ipc-bench", "bench/ipc-bench.wasm", "bench/ipc-bench.manifest"));
    Process* processes[2] {};
    ModuleEntry* manifests[2] = { &server, &client };
    StringView argv[2][2] = { { "ipc-echo", {} }, { "ipc-bench", "2000" } };
    for (usize i = 0; i < 2; ++i) {
        ProcessSpec spec = ProcessSpec::from(*manifests[i], 0);
        spec.arguments = Span<const StringView>(argv[i], i == 0 ? 1 : 2);
        auto process = Process::spawn(spec);
        if (process.is_error()) {
            if (i == 1) {
                processes[0]->kill();
                run_threads();
                processes[0]->destroy();
            }
            return process.release_error();
        }
        processes[i] = process.value();
    }
    run_threads();
    bool ok = true;
    for (auto* process : processes) {
        ok = ok && process->status().kind == ExitKind::Exited && process->status().code == 0;
        if (!ok)
            println("bench-ipc: {} ended {} (code {}) {}", process->name(), exit_kind_name(process->status().kind),
                process->status().code, process->status().reason_view());
        process->destroy();
    }
    if (!ok)
        return Error::from(ErrorCode::Invalid, "a bench module failed");
    return {};
}

u8 run_bench_ipc_mode(const initrd::TarArchive* initrd_archive)
{
    const initrd::TarArchive& initrd = *initrd_archive;
    println("bench-ipc: {} at {} Hz tick; figures under emulation are emulation time", Arch::name(), Arch::timer_frequency_hz());
    u64 free_before = mm::physical_frames().free_count();
    u64 tables_before = Arch::Mmu::page_tables_in_use();
    u64 heap_before = mm::kernel_heap_mapped_bytes() / page_size;
    if (auto done = kernel_figures(); done.is_error()) {
        println("bench-ipc: FAIL kernel figures: {}", done.error().reason);
        return 1;
    }
    if (auto done = module_figures(initrd); done.is_error()) {
        println("bench-ipc: FAIL module calls: {}", done.error().reason);
        return 1;
    }
    // Frames the run kept: page-table frames (tables built for the linear-memory reservations are
    // kept for reuse) and kernel-heap pages (the heap does not shrink) account for them.
    println("bench-ipc: free frames before {}, after {}; of the difference, page tables {} and kernel heap {}", free_before,
        mm::physical_frames().free_count(), Arch::Mmu::page_tables_in_use() - tables_before,
        mm::kernel_heap_mapped_bytes() / page_size - heap_before);
    println("bench-ipc: done");
    return 0;
}

} // namespace

ATH_BOOT_MODE(bench_ipc, "bench-ipc", BootStage::Initrd,
              "IPC costs in the kernel and between two booted processes (bench/ipc/run)", run_bench_ipc_mode);

} // namespace ath::process
