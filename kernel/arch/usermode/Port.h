#pragma once

// What the shared arch code (kernel/arch/common/*.cpp) needs from the usermode port: Athanor as one
// Linux x86_64 process. The CPU is the host's x86_64 in user mode, so the catch state and the frame
// record are x86_64's; the page tables are the x86_64 format kept in software and mirrored into
// the process's address space with mmap (Mmu.cpp).
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/PageTableFormat.h>
#include <kernel/arch/x86_64/Port.h>

namespace ath::usermode {

using PageTableFormat = x86_64::PageTableFormat;

// What arch_catch_call saves (kernel/arch/x86_64/SysvContext.inc): the x86_64 port's.
using x86_64::CatchContext;

// This port has no interrupt controller: the only "interrupt" is the timer signal.
struct IrqLine {
    u32 number;
};

using x86_64::frame_record_below_frame_pointer;

} // namespace ath::usermode
