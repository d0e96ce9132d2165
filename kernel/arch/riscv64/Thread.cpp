// Kernel threads: the initial stack of a thread is the frame riscv64_switch_stack
// (ContextSwitch.S) pops on the first switch, whose ra is the trampoline calling entry(argument).
#include <kernel/arch/Arch.h>
#include <kernel/lib/Bits.h>

extern "C" void riscv64_thread_trampoline();
extern "C" void riscv64_switch_stack(ath::uptr* save_stack_pointer, ath::uptr next_stack_pointer);

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
    uptr top = align_down(reinterpret_cast<uptr>(stack.data() + stack.size()), uptr(16));
    auto* frame = reinterpret_cast<SwitchFrame*>(top - sizeof(SwitchFrame));
    *frame = SwitchFrame {};
    frame->s0_to_s11[0] = 0;                                 // s0 = fp: ends backtraces
    frame->s0_to_s11[1] = reinterpret_cast<u64>(entry);    // s1
    frame->s0_to_s11[2] = reinterpret_cast<u64>(argument); // s2
    frame->ra = reinterpret_cast<u64>(&riscv64_thread_trampoline);
    return reinterpret_cast<uptr>(frame);
}

void Arch::switch_stack(uptr* save_stack_pointer, uptr next_stack_pointer)
{
    riscv64_switch_stack(save_stack_pointer, next_stack_pointer);
}

} // namespace ath::riscv64
