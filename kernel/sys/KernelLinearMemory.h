#pragma once

// Linear memories in the kernel: each one gets a linear-memory reservation (4 GiB + 4 GiB guard,
// kernel/mm/LinearMemoryReservations.h) on its first resize, and growing maps zeroed frames into
// the front of it, so the base never moves and an access past the end faults on an unmapped page.
// release() unmaps and frees every frame and returns the reservation: the free-frame count goes
// back to where it was before the memory existed.
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

class KernelLinearMemory final : public wasm::LinearMemoryProvider {
public:
    // Growing is refused (like an allocator that said no) when it would leave fewer free frames than
    // this: a module that grows until refused must not starve the kernel heap or page tables.
    static constexpr u64 reserved_frames = (16ull << 20) / 4096;

    Result<u8*> resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes) override;
    void release(u8* base, u64 bytes, u64 maximum_bytes) override;

    static KernelLinearMemory& instance();
    // Frames currently committed to linear memories (all processes).
    static u64 committed_frames();
};

} // namespace ath::sys
