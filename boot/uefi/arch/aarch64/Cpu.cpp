#include "Cpu.h"
#include "Paging.h"

namespace ath::boot::arch {

namespace {

constexpr u64 pl011_base = 0x09000000; // QEMU virt
constexpr u32 pl011_flags = 0x18;
constexpr u32 pl011_transmit_full = 1u << 5;

// TCR_EL1 for 48-bit virtual addresses in both halves, 4 KiB granules, inner-shareable
// write-back walks; IPS is the CPU's physical address size (ID_AA64MMFR0_EL1.PARange).
u64 translation_control()
{
    u64 mmfr0;
    asm volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    u64 physical_range = mmfr0 & 0xF;
    if (physical_range > 5)
        physical_range = 5; // 48 bits: what our 4-level tables can express
    constexpr u64 t0sz = 16, t1sz = 16;
    constexpr u64 write_back = 1, inner_shareable = 3, granule_4k_ttbr1 = 2;
    return t0sz | (write_back << 8) | (write_back << 10) | (inner_shareable << 12) | (t1sz << 16)
        | (write_back << 24) | (write_back << 26) | (inner_shareable << 28) | (granule_4k_ttbr1 << 30)
        | (physical_range << 32);
}

// SCTLR_EL1: the ARMv8.0 RES1 bits, plus MMU, data cache, stack alignment check, instruction
// cache. Alignment checking (A) and WXN stay off.
constexpr u64 system_control = 0x30D00800ULL | (1u << 0) | (1u << 2) | (1u << 3) | (1u << 12);

} // namespace

void put_serial(char character)
{
    put_serial_polled<u32>(pl011_base, pl011_base + pl011_flags, pl011_transmit_full, 0, character);
}

u64 read_cycle_counter()
{
    u64 value;
    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(value));
    return value;
}

PagingFeatures paging_features() { return { true, true }; }

[[noreturn]] void enter_kernel(u64 page_table_root, u64 entry, u64 stack_top, u64 boot_info, PagingFeatures)
{
    u64 tcr = translation_control();
    // Everything below runs without touching memory: the MMU is off for a few instructions, when
    // data accesses would bypass the caches the firmware left dirty.
    register u64 x0 asm("x0") = boot_info;
    register u64 x1 asm("x1") = entry;
    register u64 x2 asm("x2") = stack_top;
    register u64 x3 asm("x3") = page_table_root;
    register u64 x4 asm("x4") = tcr;
    register u64 x5 asm("x5") = mair_value;
    register u64 x6 asm("x6") = system_control;
    asm volatile(
        "msr daifset, #0xf\n"
        // UEFI may run at EL2 (virtualization enabled): make EL1 AArch64 with direct counter
        // access and untrapped FP/SIMD, then continue at label 1 in EL1h with interrupts masked.
        "mrs x9, CurrentEL\n"
        "lsr x9, x9, #2\n"
        "cmp x9, #2\n"
        "b.ne 1f\n"
        "mov x9, #(1 << 31)\n"
        "msr hcr_el2, x9\n"
        "mrs x9, cnthctl_el2\n"
        "orr x9, x9, #3\n"
        "msr cnthctl_el2, x9\n"
        "msr cntvoff_el2, xzr\n"
        "mov x9, #0x33ff\n"
        "msr cptr_el2, x9\n"
        "bic x9, x6, #1\n" // EL1 starts with its MMU off; set up below
        "msr sctlr_el1, x9\n"
        "mov x9, #0x3c5\n" // EL1h, D A I F masked
        "msr spsr_el2, x9\n"
        "adr x9, 1f\n"
        "msr elr_el2, x9\n"
        "eret\n"
        "1:\n"
        "mov x9, #(3 << 20)\n" // CPACR_EL1.FPEN: no FP/SIMD traps at EL1
        "msr cpacr_el1, x9\n"
        "mrs x9, sctlr_el1\n"
        "bic x9, x9, #1\n"
        "msr sctlr_el1, x9\n"
        "isb\n"
        "msr mair_el1, x5\n"
        "msr tcr_el1, x4\n"
        "msr ttbr0_el1, x3\n"
        "msr ttbr1_el1, x3\n"
        "isb\n"
        "tlbi vmalle1\n"
        "dsb nsh\n"
        "isb\n"
        "msr sctlr_el1, x6\n"
        "isb\n"
        "mov sp, x2\n"
        // x29 = x30 = 0 ends the kernel's frame-pointer backtraces here.
        "mov x29, xzr\n"
        "mov x30, xzr\n"
        "br x1\n"
        :
        : "r"(x0), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x6)
        : "x9", "memory");
    __builtin_unreachable();
}

} // namespace ath::boot::arch
