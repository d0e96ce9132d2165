#include <kernel/debug/Backtrace.h>
#include <kernel/debug/Symbols.h>
#include <kernel/lib/Format.h>

namespace ath::debug {

void print_code_address(usize index, u64 address)
{
    auto symbol = find_symbol(address);
    if (symbol.has_value())
        println("  #{} {:#x} {}+{:#x}", index, address, symbol->name, symbol->offset);
    else
        println("  #{} {:#x} ?", index, address);
}

void print_backtrace(StackFrame start, usize first_index)
{
    // A corrupted stack must not make the backtrace loop forever: cap the depth.
    constexpr usize max_depth = 32;
    Optional<StackFrame> frame = start;
    for (usize depth = 0; frame.has_value() && depth < max_depth; ++depth) {
        if (frame->return_address == 0)
            break;
        print_code_address(first_index + depth, frame->return_address);
        frame = Arch::next_frame(*frame);
    }
}

} // namespace ath::debug
