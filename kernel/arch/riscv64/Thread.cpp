// Kernel threads: the initial stack of a thread is the frame Arch::switch_stack
// (ContextSwitch.S) pops on the first switch, whose ra is the trampoline calling entry(argument).
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/ThreadStack.h>

extern "C" void riscv64_thread_trampoline();

namespace ath::riscv64 {

namespace {
// The frame layout of ContextSwitch.S, lowest address first.
struct SwitchFrame {
    u64 s0_to_s11[12];
    u64 ra;
    u64 padding;
    u64 fs0_to_fs11[12];
};
static_assert(sizeof(SwitchFrame) == 208 && sizeof(SwitchFrame) % 16 == 0);
} // namespace

uptr Arch::initial_thread_stack(Bytes stack, void (*entry)(void*), void* argument)
{
    auto* frame = arch_common::initial_switch_frame<SwitchFrame>(stack);
    frame->s0_to_s11[0] = 0;                                 // s0 = fp: ends backtraces
    frame->s0_to_s11[1] = reinterpret_cast<u64>(entry);    // s1
    frame->s0_to_s11[2] = reinterpret_cast<u64>(argument); // s2
    frame->ra = reinterpret_cast<u64>(&riscv64_thread_trampoline);
    return reinterpret_cast<uptr>(frame);
}

} // namespace ath::riscv64
