#pragma once

// What the shared arch code (kernel/arch/common/*.cpp, through ATH_ARCH_PORT_HEADER) needs from
// the x86_64 port: the state its catch call saves, where a frame record sits, what an interrupt
// line is, and its page-table format. Generic kernel code never includes this.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/PageTableFormat.h>

namespace ath::x86_64 {

// What arch_catch_call (SysvContext.inc, shared with the usermode port) saves; the offsets are fixed there.
struct CatchContext {
    u64 rbx, rbp, r12, r13, r14, r15;
    u64 resume_rsp; // the caller's stack pointer once the call has returned
    u64 resume_rip;

    // The body runs below the return address the call pushed under resume_rsp.
    u64 highest_body_stack_pointer() const { return resume_rsp - 8; }
};
static_assert(sizeof(CatchContext) == 64);

// An ISA IRQ as the MADT routes it: its GSI, that GSI's I/O APIC input and the override flags.
struct IrqLine {
    u32 gsi;
    u32 input;
    u16 flags;
};

// With frame pointers, [fp] = the caller's frame pointer and [fp + 8] = the return address.
inline constexpr u64 frame_record_below_frame_pointer = 0;

} // namespace ath::x86_64
