#include "Cpu.h"

namespace ath::boot::arch {

namespace {

struct CpuidResult {
    u32 eax, ebx, ecx, edx;
};

CpuidResult cpuid(u32 leaf)
{
    CpuidResult result;
    asm volatile("cpuid" : "=a"(result.eax), "=b"(result.ebx), "=c"(result.ecx), "=d"(result.edx) : "a"(leaf), "c"(0));
    return result;
}

void out8(u16 port, u8 value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
u8 in8(u16 port)
{
    u8 value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

constexpr u16 com1 = 0x3F8;
constexpr u8 line_status_transmit_empty = 0x20;
constexpr u32 efer_msr = 0xC0000080;
constexpr u32 efer_no_execute_enable = 1u << 11;
constexpr u64 cr0_write_protect = 1ULL << 16;

} // namespace

void put_serial(char character)
{
    // Bounded wait: a missing UART must not hang the loader.
    for (int spin = 0; spin < 100000 && !(in8(com1 + 5) & line_status_transmit_empty); ++spin) { }
    out8(com1, static_cast<u8>(character));
}

u64 read_cycle_counter()
{
    u32 low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (static_cast<u64>(high) << 32) | low;
}

PagingFeatures paging_features()
{
    u32 highest_extended = cpuid(0x80000000).eax;
    if (highest_extended < 0x80000001)
        return { false, false };
    u32 features = cpuid(0x80000001).edx;
    return { (features & (1u << 26)) != 0, (features & (1u << 20)) != 0 };
}

[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures features)
{
    asm volatile("cli");
    if (features.no_execute) {
        u32 low, high;
        asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(efer_msr));
        low |= efer_no_execute_enable;
        asm volatile("wrmsr" : : "a"(low), "d"(high), "c"(efer_msr));
    }
    u64 cr0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    asm volatile("mov %0, %%cr0" : : "r"(cr0 | cr0_write_protect));
    // The loader keeps running at its physical addresses through the identity half of the new
    // tables; rbp = 0 ends the kernel's frame-pointer backtraces here.
    asm volatile("mov %0, %%cr3\n\t"
                 "mov %1, %%rsp\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "call *%2\n\t"
                 "1: cli\n\t"
                 "hlt\n\t"
                 "jmp 1b"
                 :
                 : "a"(page_table_root), "d"(stack_top), "c"(entry), "D"(boot_info)
                 : "memory");
    __builtin_unreachable();
}

} // namespace ath::boot::arch
