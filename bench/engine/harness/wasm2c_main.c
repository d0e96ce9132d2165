/* Times a kernel translated to C by wasm2c (wabt) and compiled with clang -O2. The generated
 * header is force-included (-include NAME.h); every kernel is translated with module name
 * "kernel", so the entry points below are the same for all of them. Output as native_main.c
 * (timed_runs.h). */
#include "timed_runs.h"
#include "wasm-rt.h"

static unsigned run_instance(void* instance)
{
    return Z_kernelZ_run((Z_kernel_instance_t*)instance);
}

int main(int argc, char** argv)
{
    int repetitions = repetitions_argument(argc, argv);
    if (!repetitions)
        return 2;
    wasm_rt_init();
    Z_kernel_init_module();
    Z_kernel_instance_t instance;
    Z_kernel_instantiate(&instance);
    int status = timed_runs(repetitions, run_instance, &instance);
    Z_kernel_free(&instance);
    wasm_rt_free();
    return status;
}
