// Initial stack of a kernel thread: the frame switch_stack (ContextSwitch.S) pops on the first
// switch, whose return address is the trampoline that calls entry(argument).
#include <kernel/arch/Arch.h>
#include <kernel/lib/Bits.h>

extern "C" void x86_64_thread_trampoline();

namespace ath::x86_64 {

uptr Arch::initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument)
{
    // switch_stack pops r15, r14, r13, r12, rbx, rbp, then returns. The trampoline finds the entry
    // in r12 and its argument in r13.
    uptr top = align_down(reinterpret_cast<uptr>(stack.data() + stack.size()), uptr(16));
    auto* slots = reinterpret_cast<u64*>(top);
    // After `ret` pops the trampoline address rsp is top - 8 (as after a call): the ABI alignment.
    *--slots = 0;                                                    // padding / fake return of the trampoline
    *--slots = reinterpret_cast<u64>(&x86_64_thread_trampoline);     // ret
    *--slots = 0;                                                    // rbp: ends backtraces
    *--slots = 0;                                                    // rbx
    *--slots = reinterpret_cast<u64>(entry);                         // r12
    *--slots = reinterpret_cast<u64>(argument);                      // r13
    *--slots = 0;                                                    // r14
    *--slots = 0;                                                    // r15
    return reinterpret_cast<uptr>(slots);
}

} // namespace ath::x86_64
