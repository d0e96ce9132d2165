#pragma once

// The start of every port's Arch::initial_thread_stack: the frame its switch_stack (the port's
// ContextSwitch.S) pops on the first switch to a new thread, placed zeroed at the 16-byte-aligned
// top of the thread's stack. The port then fills in the trampoline, entry and argument.
#include <kernel/lib/Bits.h>
#include <kernel/lib/Span.h>

namespace ath::arch_common {

template<typename SwitchFrame>
SwitchFrame* initial_switch_frame(Bytes stack)
{
    static_assert(sizeof(SwitchFrame) % 16 == 0, "switch frames keep the stack 16-byte aligned");
    uptr top = align_down(reinterpret_cast<uptr>(stack.data() + stack.size()), uptr(16));
    auto* frame = reinterpret_cast<SwitchFrame*>(top - sizeof(SwitchFrame));
    *frame = SwitchFrame {};
    return frame;
}

} // namespace ath::arch_common
