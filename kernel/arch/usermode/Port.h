#pragma once

// What the shared arch code (kernel/arch/common/*.cpp) needs from the usermode port: Athanor as one
// Linux x86_64 process. The CPU is the host's x86_64 in user mode, so the catch state and the frame
// record are x86_64's; the page tables are the x86_64 format kept in software and mirrored into
// the process's address space with mmap (Mmu.cpp).
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/PageTableFormat.h>

namespace ath::usermode {

using PageTableFormat = x86_64::PageTableFormat;

// What arch_catch_call (Entry.S) saves; the offsets are fixed there.
struct CatchContext {
    u64 rbx, rbp, r12, r13, r14, r15;
    u64 resume_rsp; // the caller's stack pointer once the call has returned
    u64 resume_rip;

    u64 highest_body_stack_pointer() const { return resume_rsp - 8; }
};
static_assert(sizeof(CatchContext) == 64);

// This port has no interrupt controller: the only "interrupt" is the timer signal.
struct IrqLine {
    u32 number;
};

// With frame pointers, [fp] = the caller's frame pointer and [fp + 8] = the return address.
inline constexpr u64 frame_record_below_frame_pointer = 0;

} // namespace ath::usermode
