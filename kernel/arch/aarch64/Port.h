#pragma once

// What the shared arch code (kernel/arch/common/*.cpp, through ATH_ARCH_PORT_HEADER) needs from
// the aarch64 port: the state its catch call saves, where a frame record sits, what an interrupt
// line is, and its page-table format. Generic kernel code never includes this.
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/PageTableFormat.h>

namespace ath::aarch64 {

// What arch_catch_call (Vectors.S) saves; the offsets are fixed there.
struct CatchContext {
    u64 x19_to_x30[12];
    u64 sp;
    u64 d8_to_d15[8];

    u64 highest_body_stack_pointer() const { return sp; } // bl/blr push nothing
};
static_assert(sizeof(CatchContext) == 168);

// AAPCS64 frame records: [x29] = the caller's x29, [x29 + 8] = x30.
using IrqLine = u32; // a GIC INTID

inline constexpr u64 frame_record_below_frame_pointer = 0;

} // namespace ath::aarch64
