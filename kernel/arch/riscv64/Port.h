#pragma once

// What the shared arch code (kernel/arch/common/*.cpp, through ATH_ARCH_PORT_HEADER) needs from
// the riscv64 port: the state its catch call saves, where a frame record sits, what an interrupt
// line is, and its page-table format. Generic kernel code never includes this.
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/PageTableFormat.h>

namespace ath::riscv64 {

// What arch_catch_call (Trap.S) saves; the offsets are fixed there.
struct CatchContext {
    u64 s0_to_s11[12];
    u64 ra;
    u64 sp;
    u64 fs0_to_fs11[12];

    u64 highest_body_stack_pointer() const { return sp; } // jal/jalr push nothing
};
static_assert(sizeof(CatchContext) == 208);

// With frame pointers, s0 points just above the saved pair: [s0 - 16] = the caller's s0,
// [s0 - 8] = ra.
using IrqLine = u32; // a PLIC source

inline constexpr u64 frame_record_below_frame_pointer = 16;

} // namespace ath::riscv64
