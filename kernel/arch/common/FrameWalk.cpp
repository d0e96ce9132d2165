#include <kernel/arch/common/FrameWalk.h>
#include <kernel/debug/Backtrace.h>
#include <kernel/debug/Panic.h>
#include <kernel/lib/Format.h>
#include ATH_ARCH_PORT_HEADER

namespace ath::arch_common {

namespace {

constexpr u64 record_offset = ATH_ARCH_NAMESPACE::frame_record_below_frame_pointer;

// The two words of the record: the caller's frame pointer, then the return address.
const u64* record_of(u64 frame_pointer) { return reinterpret_cast<const u64*>(frame_pointer - record_offset); }

} // namespace

Optional<StackFrame> frame_at(u64 frame_pointer)
{
    if (frame_pointer < boot::direct_map_base + record_offset || (frame_pointer & 7) != 0)
        return none;
    u64 record = frame_pointer - record_offset;
    if (!Arch::Mmu::translate(VirtualAddress(record)).has_value()
        || !Arch::Mmu::translate(VirtualAddress(record + 8)).has_value())
        return none;
    return StackFrame { frame_pointer, record_of(frame_pointer)[1] };
}

[[noreturn]] void print_backtrace_and_stop(u64 instruction_address, u64 frame_pointer)
{
    println("backtrace:");
    debug::print_code_address(0, instruction_address);
    // The interrupted function's own frame holds where it returns to.
    auto interrupted = frame_at(frame_pointer);
    if (interrupted.has_value())
        debug::print_backtrace(*interrupted, 1);
    debug::stop_after_fatal_error();
}

} // namespace ath::arch_common

namespace ath {

Optional<StackFrame> Arch::next_frame(StackFrame frame)
{
    if (!arch_common::frame_at(frame.frame_pointer).has_value())
        return none;
    u64 caller_frame_pointer = arch_common::record_of(frame.frame_pointer)[0];
    if (caller_frame_pointer <= frame.frame_pointer)
        return none; // stacks grow down: a caller's frame is always higher (0 ends the chain)
    return arch_common::frame_at(caller_frame_pointer);
}

} // namespace ath
