#pragma once

// What the generic loader asks of the CPU it runs on. Each arch folder's Cpu.h includes this,
// defines `elf_machine` and says how its arch keeps these promises; its Cpu.cpp implements them.
#include "ElfImage.h"

#include <kernel/lib/StringView.h>

namespace ath::boot::arch {

// What the page-table builder may use (always both on aarch64 and riscv64; probed on x86_64).
struct PagingFeatures {
    bool huge_1g_pages;
    bool no_execute;
};

u64 read_cycle_counter();
PagingFeatures paging_features();

// For messages after ExitBootServices, when the firmware console is gone: one byte to the
// board's UART, polled with a bounded wait (the loader only uses it for its last error messages).
void put_serial(char character);

// put_serial for a memory-mapped UART: waits (bounded: a missing UART must not hang the loader)
// until the status register's `mask` bits read `ready`, then writes the byte to the data register.
template<typename Word>
void put_serial_polled(u64 data_register, u64 status_register, Word mask, Word ready, char character)
{
    auto* status = reinterpret_cast<volatile Word*>(status_register);
    for (int spin = 0; spin < 100000 && (*status & mask) != ready; ++spin) { }
    *reinterpret_cast<volatile Word*>(data_register) = static_cast<u8>(character);
}

inline void write_serial(StringView text)
{
    for (char character : text) {
        if (character == '\n')
            put_serial('\r');
        put_serial(character);
    }
}

// The point of no return, after ExitBootServices: interrupts off, the new tables loaded, the
// fresh stack in place, then kernel_entry(boot_info) in the arch's calling convention. Never
// returns.
[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures features);

} // namespace ath::boot::arch
