// The hand-off probe's aarch64 side (see ../Probe.h): QEMU virt's PL011 through the direct map,
// semihosting SYS_EXIT with the isa-debug-exit encoding (like the kernel), the EL1 system
// registers, the device tree, and the live TTBR1 tables read with the generic walker.
#include "../Probe.h"

#include <kernel/arch/aarch64/PageTableFormat.h>
#include <kernel/arch/aarch64/SystemRegisters.h>

namespace ath::probe::arch {

namespace {

constexpr u64 pl011 = 0x09000000;
using Pte = aarch64::PageTableFormat;

} // namespace

void write_byte(char c)
{
    volatile u32* uart = direct<u32>(pl011);
    for (int spin = 0; spin < 100000 && (uart[0x18 / 4] & (1u << 5)); ++spin) { }
    uart[0] = static_cast<u8>(c);
}

[[noreturn]] void power_off(int status)
{
    u64 block[2] = { 0x20026, (u64(0x10 | (status & 0xF)) << 1) | 1 }; // ApplicationExit, code
    register u64 operation asm("x0") = 0x18;                             // SYS_EXIT
    register u64 parameter asm("x1") = reinterpret_cast<u64>(block);
    asm volatile("hlt #0xf000" : "+r"(operation) : "r"(parameter) : "memory");
    for (;;)
        asm volatile("wfi");
}

u64 counter() { return ATH_READ_SYSREG(cntvct_el0); }

u64 stack_pointer()
{
    u64 sp;
    asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

void check_cpu_state(const BootInfo& info)
{
    check("TTBR1_EL1 and TTBR0_EL1 are the advertised page table root",
          (ATH_READ_SYSREG(ttbr1_el1) & Pte::address_mask) == info.page_table_root && (ATH_READ_SYSREG(ttbr0_el1) & Pte::address_mask) == info.page_table_root);
    check("running at EL1 with the MMU and caches on", (ATH_READ_SYSREG(CurrentEL) >> 2) == 1 && (ATH_READ_SYSREG(sctlr_el1) & 0x1005) == 0x1005);
    check("48-bit VAs in both halves, 4 KiB granules (TCR_EL1)", [] {
        u64 tcr = ATH_READ_SYSREG(tcr_el1);
        return (tcr & 0x3F) == 16 && ((tcr >> 16) & 0x3F) == 16 && ((tcr >> 14) & 3) == 0 && ((tcr >> 30) & 3) == 2;
    }());
    check("interrupts are masked", (ATH_READ_SYSREG(daif) & (1u << 7)) != 0);
}

Mapping mapping_of(u64 virtual_address)
{
    auto leaf = live_leaf<Pte>(ATH_READ_SYSREG(ttbr1_el1) & Pte::address_mask, virtual_address);
    if (!leaf.has_value())
        return {};
    return { true, leaf->physical, leaf->size, (leaf->entry & Pte::read_only) == 0,
             (leaf->entry & Pte::privileged_no_execute) == 0 };
}

void check_firmware_tables(const BootInfo& info) { check_device_tree(info); }

u64 direct_map_sample(const BootInfo& info) { return direct_map_base + info.kernel_physical_base; }

bool framebuffer_optional() { return false; }

} // namespace ath::probe::arch
