#pragma once

// A memory fault in compiled Wasm code (kernel/wasm/NativeTier.h) that is the module's own
// out-of-bounds access: compiled code emits no bounds checks, so an access past a linear memory's
// end lands in its unmapped reservation or guard and page-faults. That fault becomes the Wasm trap
// the interpreter would raise: the handler resumes the faulting code at its trap stub (which
// records OutOfBoundsMemoryAccess and unwinds to the instance's entry, the one trap path compiled
// code has), with every register as at the fault.
//
// The exception handler of every port with a compiler (x86_64; the usermode port's SIGSEGV
// handler) asks compiled_code_fault_landing for a page fault after the write-fault hook (a store into a
// read-only region mapping is not an error) and before an armed fault catch; a non-zero answer is
// the instruction address to resume at. The hook is installed by the booted CodeMemoryProvider
// (kernel/platform/kernel/KernelCodeMemory.h) and answers only for an instruction in compiled code
// faulting on an address in the linear-memory window: any other fault stays a kernel fault. It
// runs with interrupts masked on the faulting stack and must not block or take a lock.
#include <kernel/lib/Types.h>

namespace ath {

using CodeFaultHook = u64 (*)(u64 instruction_address, u64 fault_address);

inline CodeFaultHook g_code_fault_hook = nullptr;

inline void set_code_fault_hook(CodeFaultHook hook) { __atomic_store_n(&g_code_fault_hook, hook, __ATOMIC_RELEASE); }

inline u64 compiled_code_fault_landing(u64 instruction_address, u64 fault_address)
{
    CodeFaultHook hook = __atomic_load_n(&g_code_fault_hook, __ATOMIC_ACQUIRE);
    return hook ? hook(instruction_address, fault_address) : 0;
}

} // namespace ath
