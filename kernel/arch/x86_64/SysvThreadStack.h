#pragma once

// A new thread's first stack for every x86_64 SysV port (the x86_64 kernel and the usermode port):
// the frame switch_stack (SysvContext.inc) pops on the first switch, whose return address is the
// port's thread trampoline, which calls entry(argument).
#include <kernel/lib/Bits.h>
#include <kernel/lib/Span.h>

namespace ath::x86_64 {

inline uptr sysv_initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument, void (*trampoline)())
{
    // switch_stack pops r15, r14, r13, r12, rbx, rbp, then returns. The trampoline finds the entry
    // in r12 and its argument in r13.
    uptr top = align_down(reinterpret_cast<uptr>(stack.data() + stack.size()), uptr(16));
    auto* slots = reinterpret_cast<u64*>(top);
    // After `ret` pops the trampoline address rsp is top - 8 (as after a call): the ABI alignment.
    *--slots = 0;                                      // padding / fake return of the trampoline
    *--slots = reinterpret_cast<u64>(trampoline);      // ret
    *--slots = 0;                                      // rbp: ends backtraces
    *--slots = 0;                                      // rbx
    *--slots = reinterpret_cast<u64>(entry);           // r12
    *--slots = reinterpret_cast<u64>(argument);        // r13
    *--slots = 0;                                      // r14
    *--slots = 0;                                      // r15
    return reinterpret_cast<uptr>(slots);
}

} // namespace ath::x86_64
