#include "Cpu.h"

namespace ath::boot::arch {

namespace {

constexpr u64 uart_base = 0x10000000; // QEMU virt NS16550A, registers one byte apart
constexpr u64 line_status = 5; // register offset
constexpr u8 line_status_transmit_empty = 0x20;
constexpr u64 satp_mode_sv48 = 9ULL << 60;

} // namespace

void put_serial(char character)
{
    put_serial_polled<u8>(uart_base, uart_base + line_status, line_status_transmit_empty, line_status_transmit_empty,
                          character);
}

u64 read_cycle_counter()
{
    u64 value;
    asm volatile("rdtime %0" : "=r"(value));
    return value;
}

PagingFeatures paging_features() { return { true, true }; }

[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures)
{
    asm volatile("csrci sstatus, 2" ::: "memory"); // SIE off
    u64 satp = satp_mode_sv48 | (page_table_root >> 12);
    u64 accepted;
    // A CPU without Sv48 ignores the write (satp stays bare): check before relying on it. The
    // loader keeps running at its physical addresses through the identity half of the new tables.
    asm volatile("sfence.vma\n csrw satp, %1\n sfence.vma\n csrr %0, satp" : "=r"(accepted) : "r"(satp) : "memory");
    if (accepted != satp) {
        write_serial("azboot: error: the CPU does not support Sv48 paging; cannot start the kernel\n");
        while (true)
            asm volatile("wfi");
    }
    register u64 a0 asm("a0") = boot_info;
    asm volatile("mv sp, %1\n"
                 "li s0, 0\n" // fp = ra = 0 ends the kernel's frame-pointer backtraces here
                 "li ra, 0\n"
                 "jr %2\n"
                 :
                 : "r"(a0), "r"(stack_top), "r"(entry)
                 : "memory");
    __builtin_unreachable();
}

} // namespace ath::boot::arch
