// Kernel threads: the initial stack of a thread is the frame Arch::switch_stack
// (ContextSwitch.S) pops on the first switch, whose x30 is the trampoline calling entry(argument).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/ThreadStack.h>

extern "C" void aarch64_thread_trampoline();

namespace ath::aarch64 {

namespace {
// The frame layout of ContextSwitch.S, lowest address first.
struct SwitchFrame {
    u64 x19_to_x28[10];
    u64 x29, x30;
    u64 d8_to_d15[8];
};
static_assert(sizeof(SwitchFrame) == 160 && sizeof(SwitchFrame) % 16 == 0);
} // namespace

uptr Arch::initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument)
{
    auto* frame = arch_common::initial_switch_frame<SwitchFrame>(stack);
    frame->x19_to_x28[0] = reinterpret_cast<u64>(entry);    // x19
    frame->x19_to_x28[1] = reinterpret_cast<u64>(argument); // x20
    frame->x29 = 0;                                          // ends backtraces
    frame->x30 = reinterpret_cast<u64>(&aarch64_thread_trampoline);
    return reinterpret_cast<uptr>(frame);
}

} // namespace ath::aarch64
