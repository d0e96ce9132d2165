#pragma once

// Platform seam: where the Wasm engine (kernel/wasm) gets its memory. Implementations:
//   kernel  kernel/platform/kernel/KernelAllocator.h (kernel heap, charged to a process) and
//           KernelLinearMemory.h (reserved 4 GiB + guard windows, pages committed in place)
//   hosted  kernel/platform/hosted/HostedSupport.h (malloc) and HostedLinearMemory.h (mmap)
#include <kernel/lib/Allocator.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Types.h>

namespace ath::wasm {

// Where the engine gets its memory: the kernel core's one allocator interface (kernel/lib/Allocator.h).
using Allocator = ::ath::Allocator;

// Backing storage of a linear memory. The hosted default (used when StoreConfig::memory_provider
// is null) copies into a fresh allocation from the Allocator on grow. The kernel can instead
// reserve `maximum_bytes` (+ guard pages) of virtual space once and commit pages in place, so the
// base never moves. Bytes in [old_bytes, new_bytes) must read as zero after a successful resize.
class LinearMemoryProvider {
public:
    // First call: current == nullptr, old_bytes == 0. Returns the (possibly new) base.
    virtual Result<u8*> resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes) = 0;
    virtual void release(u8* base, u64 bytes, u64 maximum_bytes) = 0;
    // Whether every access base + index + offset (index and offset any u32, up to 16 bytes wide)
    // at or past the memory's current size faults: the reservation spans 8 GiB + a guard. The
    // compiled tier (kernel/wasm/NativeTier.h) needs this; it emits no bounds checks.
    virtual bool guards_wasm32_accesses() const { return false; }

protected:
    ~LinearMemoryProvider() = default;
};

// Executable memory for the compiled tier (W^X: code is written while the pages are read-write,
// then they become read-execute; never both). Implementations: hosted
// kernel/platform/hosted/HostedCodeMemory.h (mmap/mprotect, SIGSEGV mapping); none booted yet.
class CodeMemoryProvider {
public:
    // Fresh read-write (not executable) pages for `bytes` of code.
    virtual Result<u8*> allocate(usize bytes) = 0;
    // Makes [code, code + bytes) read-execute (no longer writable). From then on a memory fault
    // whose instruction pointer lies in that range resumes at `fault_landing` (the code's
    // out-of-bounds trap path) with every register as at the fault.
    virtual ErrorOr make_executable(u8* code, usize bytes, const u8* fault_landing) = 0;
    virtual void release(u8* code, usize bytes) = 0;

protected:
    ~CodeMemoryProvider() = default;
};

} // namespace ath::wasm
