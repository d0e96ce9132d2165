// Times Athanor's Wasm engine for the engine benchmark (a hosted tool, built in hosted-release).
//
//   azoth-engine-bench run FILE.wasm REPETITIONS
//       Module::create (decode + validate + translate) once, instantiate once, then calls the
//       exported `run` REPETITIONS times. Prints one JSON object:
//       {"decode_validate_translate_seconds": s, "instantiate_seconds": s, "seconds": [..],
//        "cpu_seconds": [..], "checksum": n}   (wall: CLOCK_MONOTONIC, CPU: CLOCK_PROCESS_CPUTIME_ID)
//   azoth-engine-bench validate FILE.wasm REPETITIONS
//       Module::create REPETITIONS times on bytes already in memory:
//       {"seconds": [..], "cpu_seconds": [..], "bytes": n}
//   azoth-engine-bench compile FILE.wasm REPETITIONS
//       Module::create once, then the compiled tier's compile_native_module REPETITIONS times (the
//       code given back after each, outside the timed region):
//       {"seconds": [..], "cpu_seconds": [..], "bytes": n, "code_bytes": n (function bodies)}
//
// Any failure prints {"error": "..."} and exits 1, so the orchestration can show it in its table.
#include <kernel/wasm/NativeTier.h>
#include <kernel/wasm/Runtime.h>
#include <kernel/platform/hosted/HostedCodeMemory.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/platform/hosted/HostedSupport.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

namespace {

using namespace ath;
using namespace ath::wasm;

double clock_seconds(clockid_t clock)
{
    timespec time {};
    clock_gettime(clock, &time);
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_nsec) * 1e-9;
}

double now_seconds() { return clock_seconds(CLOCK_MONOTONIC); }
double cpu_now_seconds() { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

// Wall and CPU seconds of each repetition; the CPU figure is the one that survives a loaded machine.
struct Samples {
    double* wall { nullptr };
    double* cpu { nullptr };
    int count { 0 };

    static Samples allocate(int count)
    {
        return { static_cast<double*>(calloc(static_cast<usize>(count), sizeof(double))),
            static_cast<double*>(calloc(static_cast<usize>(count), sizeof(double))), count };
    }
    bool valid() const { return wall && cpu; }
    void release()
    {
        free(wall);
        free(cpu);
    }
};

// Reasons are static engine strings; escape them anyway so the output always parses.
void print_json_string(const char* text)
{
    putchar('"');
    for (; text && *text; ++text) {
        unsigned char c = static_cast<unsigned char>(*text);
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

int fail(const char* stage, const Error& error)
{
    printf("{\"error\": ");
    char text[512];
    if (error.has_offset())
        snprintf(text, sizeof(text), "%s: %s: %s (offset %llu)", stage, error_code_name(error.code), error.reason,
                 static_cast<unsigned long long>(error.offset));
    else
        snprintf(text, sizeof(text), "%s: %s: %s", stage, error_code_name(error.code), error.reason);
    print_json_string(text);
    printf("}\n");
    return 1;
}

int fail(const char* message)
{
    printf("{\"error\": ");
    print_json_string(message);
    printf("}\n");
    return 1;
}

void print_samples(const Samples& samples)
{
    printf("\"seconds\": [");
    for (int i = 0; i < samples.count; ++i)
        printf("%s%.9f", i ? ", " : "", samples.wall[i]);
    printf("], \"cpu_seconds\": [");
    for (int i = 0; i < samples.count; ++i)
        printf("%s%.9f", i ? ", " : "", samples.cpu[i]);
    printf("]");
}

// `compiled`: the compiled tier (kernel/wasm/NativeTier.h); a module that falls back to the
// interpreter is an error, never timed as compiled.
int run_kernel(const char* path, int repetitions, bool compiled)
{
    wasm::hosted::MallocAllocator allocator;
    // Before the module: a module's compiled code goes back to its provider when the module goes.
    ath::hosted::HostedLinearMemoryProvider memories;
    ath::hosted::HostedCodeMemory code_memory;
    auto file = wasm::hosted::FileBytes::read(path);
    if (file.is_error())
        return fail("read", file.error());

    double start = now_seconds();
    auto module = Module::create(allocator, file.value().bytes());
    double load_seconds = now_seconds() - start;
    if (module.is_error())
        return fail("decode/validate/translate", module.error());

    StoreConfig config;
    if (compiled) {
        config.memory_provider = &memories;
        config.code_memory = &code_memory;
    }
    Store store(allocator, config);
    start = now_seconds();
    auto instance = store.instantiate(module.value(), {});
    double instantiate_seconds = now_seconds() - start; // with compiled: includes compiling
    if (instance.is_error())
        return fail("instantiate", instance.error());
    if (compiled && instance.value()->tier() != ExecutionTier::Compiled)
        return fail("instantiate", Error::from(ErrorCode::Unsupported, instance.value()->interpreter_reason()));

    auto exported = instance.value()->find_export(StringView("run"));
    if (!exported.has_value() || !exported->as_function())
        return fail("the module exports no function `run`");
    Function& run = *exported->as_function();

    Samples samples = Samples::allocate(repetitions);
    if (!samples.valid()) {
        samples.release();
        return fail("out of memory");
    }
    u32 first_checksum = 0;
    for (int i = 0; i < repetitions; ++i) {
        Value results[1];
        double cpu_start = cpu_now_seconds();
        start = now_seconds();
        auto outcome = store.invoke(run, {}, results);
        samples.wall[i] = now_seconds() - start;
        samples.cpu[i] = cpu_now_seconds() - cpu_start;
        if (outcome.is_error()) {
            samples.release();
            return fail("invoke run", outcome.error());
        }
        u32 checksum = results[0].as_i32();
        if (i == 0) {
            first_checksum = checksum;
        } else if (checksum != first_checksum) {
            samples.release();
            return fail("checksum changed between calls");
        }
    }
    printf("{\"decode_validate_translate_seconds\": %.9f, \"instantiate_seconds\": %.9f, ", load_seconds,
           instantiate_seconds);
    print_samples(samples);
    printf(", \"checksum\": %u}\n", first_checksum);
    samples.release();
    return 0;
}

int validate_module(const char* path, int repetitions)
{
    wasm::hosted::MallocAllocator allocator;
    auto file = wasm::hosted::FileBytes::read(path);
    if (file.is_error())
        return fail("read", file.error());
    Samples samples = Samples::allocate(repetitions);
    if (!samples.valid()) {
        samples.release();
        return fail("out of memory");
    }
    for (int i = 0; i < repetitions; ++i) {
        double cpu_start = cpu_now_seconds();
        double start = now_seconds();
        auto module = Module::create(allocator, file.value().bytes());
        samples.wall[i] = now_seconds() - start;
        samples.cpu[i] = cpu_now_seconds() - cpu_start;
        if (module.is_error()) {
            samples.release();
            return fail("decode/validate/translate", module.error());
        }
        // The module is destroyed here, outside the timed region.
    }
    printf("{");
    print_samples(samples);
    printf(", \"bytes\": %zu}\n", file.value().bytes().size());
    samples.release();
    return 0;
}

int compile_module(const char* path, int repetitions)
{
    wasm::hosted::MallocAllocator allocator;
    ath::hosted::HostedCodeMemory code_memory;
    auto file = wasm::hosted::FileBytes::read(path);
    if (file.is_error())
        return fail("read", file.error());
    auto module = Module::create(allocator, file.value().bytes());
    if (module.is_error())
        return fail("decode/validate/translate", module.error());
    ModuleData& data = *module.value().data();
    u64 code_bytes = 0;
    for (u32 i = data.imported_function_count; i < data.functions.size(); ++i)
        code_bytes += data.functions[i].body_size;
    Samples samples = Samples::allocate(repetitions);
    if (!samples.valid()) {
        samples.release();
        return fail("out of memory");
    }
    for (int i = 0; i < repetitions; ++i) {
        double cpu_start = cpu_now_seconds();
        double start = now_seconds();
        auto compiled = compile_native_module(data, code_memory);
        samples.wall[i] = now_seconds() - start;
        samples.cpu[i] = cpu_now_seconds() - cpu_start;
        if (compiled.is_error()) {
            samples.release();
            return fail("compile", compiled.error());
        }
        release_native_module(compiled.value(), allocator);
    }
    printf("{");
    print_samples(samples);
    printf(", \"bytes\": %zu, \"code_bytes\": %llu}\n", file.value().bytes().size(), static_cast<unsigned long long>(code_bytes));
    samples.release();
    return 0;
}

int usage(const char* program)
{
    fprintf(stderr, "usage: %s run|run-compiled|validate|compile FILE.wasm REPETITIONS\n", program);
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 4)
        return usage(argv[0]);
    int repetitions = atoi(argv[3]);
    if (repetitions < 1)
        return usage(argv[0]);
    StringView mode(argv[1]);
    if (mode == StringView("run"))
        return run_kernel(argv[2], repetitions, false);
    if (mode == StringView("run-compiled"))
        return run_kernel(argv[2], repetitions, true);
    if (mode == StringView("validate"))
        return validate_module(argv[2], repetitions);
    if (mode == StringView("compile"))
        return compile_module(argv[2], repetitions);
    return usage(argv[0]);
}
