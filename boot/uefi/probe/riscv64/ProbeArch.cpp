// The hand-off probe's riscv64 side (see ../Probe.h): QEMU virt's NS16550A through the direct
// map, the sifive,test finisher with the isa-debug-exit encoding (like the kernel), satp and
// sstatus, the device tree, and the live Sv48 tables read with the generic walker. U-Boot offers
// no framebuffer, so that check is reported as skipped unless one is described.
#include "../Probe.h"

#include <kernel/arch/riscv64/PageTableFormat.h>
#include <kernel/arch/riscv64/TrapFrame.h>

namespace ath::probe::arch {

namespace {

constexpr u64 uart_base = 0x10000000;
constexpr u64 finisher = 0x100000;
using Pte = riscv64::PageTableFormat;

u64 satp_root() { return (ATH_READ_CSR(satp) & Pte::ppn_mask) << 12; }

} // namespace

void write_byte(char c)
{
    volatile u8* uart = direct<u8>(uart_base);
    for (int spin = 0; spin < 100000 && !(uart[5] & 0x20); ++spin) { }
    uart[0] = static_cast<u8>(c);
}

[[noreturn]] void power_off(int status)
{
    u32 code = (u32(0x10 | (status & 0xF)) << 1) | 1;
    *direct<volatile u32>(finisher) = (code << 16) | 0x3333; // FAIL with code: QEMU exits with it
    for (;;)
        asm volatile("wfi");
}

u64 counter()
{
    u64 value;
    asm volatile("rdtime %0" : "=r"(value));
    return value;
}

u64 stack_pointer()
{
    u64 sp;
    asm volatile("mv %0, sp" : "=r"(sp));
    return sp;
}

void check_cpu_state(const BootInfo& info)
{
    check("satp holds the advertised page table root", satp_root() == info.page_table_root);
    check("paging mode is Sv48", (ATH_READ_CSR(satp) >> 60) == 9);
    check("supervisor interrupts are masked (sstatus.SIE)", (ATH_READ_CSR(sstatus) & 2) == 0);
}

Mapping mapping_of(u64 virtual_address)
{
    auto leaf = live_leaf<Pte>(satp_root(), virtual_address);
    if (!leaf.has_value())
        return {};
    return { true, leaf->physical, leaf->size, (leaf->entry & Pte::writable) != 0, (leaf->entry & Pte::executable) != 0 };
}

void check_firmware_tables(const BootInfo& info) { check_device_tree(info); }

u64 direct_map_sample(const BootInfo& info) { return direct_map_base + info.kernel_physical_base; }

bool framebuffer_optional() { return true; }

} // namespace ath::probe::arch
