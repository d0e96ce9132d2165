#pragma once

// A write to a present page that generic code may resolve instead of the fault being fatal: a
// store into a read-only region mapping (kernel/platform/kernel/KernelLinearMemory.h gives the writer a private
// copy of the page and makes its Store trap). Every kernel arch's fault handler calls
// resolve_write_fault first for a write fault on a present page, with interrupts masked, on the
// faulting thread's stack; true means the page now accepts the write and the faulting instruction
// runs again. The hook must not block or take a lock the interrupted code could hold.
#include <kernel/lib/Types.h>

namespace ath {

using WriteFaultHook = bool (*)(u64 address);

inline WriteFaultHook g_write_fault_hook = nullptr;

inline void set_write_fault_hook(WriteFaultHook hook) { __atomic_store_n(&g_write_fault_hook, hook, __ATOMIC_RELEASE); }

inline bool resolve_write_fault(u64 address)
{
    WriteFaultHook hook = __atomic_load_n(&g_write_fault_hook, __ATOMIC_ACQUIRE);
    return hook && hook(address);
}

} // namespace ath
