// The little C++ ABI support the kernel needs: global constructors (run by kernel_main), no
// global destructors (the kernel never exits), and a pure-virtual trap.
#include <kernel/lib/Assert.h>
#include <kernel/runtime/CxxRuntime.h>

extern "C" {

void* __dso_handle = nullptr;

// Global destructors would run at exit, which never comes; registering them is a no-op.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

[[noreturn]] void __cxa_pure_virtual() { PANIC("pure virtual function called"); }

using Constructor = void (*)();
extern const Constructor __init_array_start[];
extern const Constructor __init_array_end[];
}

namespace ath::runtime {

void run_global_constructors()
{
    for (const Constructor* constructor = __init_array_start; constructor != __init_array_end; ++constructor)
        (*constructor)();
}

} // namespace ath::runtime
