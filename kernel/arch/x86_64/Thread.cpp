// Initial stack of a kernel thread (SysvThreadStack.h, shared with the usermode port).
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/SysvThreadStack.h>

extern "C" void x86_64_thread_trampoline();

namespace ath::x86_64 {

uptr Arch::initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument)
{
    return sysv_initial_thread_stack(stack, entry, argument, x86_64_thread_trampoline);
}

} // namespace ath::x86_64
