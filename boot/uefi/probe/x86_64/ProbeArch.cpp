// The hand-off probe's x86_64 side (see ../Probe.h): COM1 by port I/O, isa-debug-exit, CR0/CR3/
// EFER and RFLAGS, the ACPI RSDP, and the live 4-level tables read with the generic walker.
#include "../Probe.h"

#include <kernel/arch/x86_64/PageTableFormat.h>

namespace ath::probe::arch {

namespace {

void out8(u16 port, u8 value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
void out32(u16 port, u32 value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
u8 in8(u16 port)
{
    u8 value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

u64 read_cr0() { u64 v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
u64 read_cr3() { u64 v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
u64 read_efer()
{
    u32 low, high;
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(0xC0000080));
    return (static_cast<u64>(high) << 32) | low;
}

using Pte = x86_64::PageTableFormat;

} // namespace

void write_byte(char c)
{
    for (int spin = 0; spin < 100000 && !(in8(0x3F8 + 5) & 0x20); ++spin) { }
    out8(0x3F8, static_cast<u8>(c));
}

[[noreturn]] void power_off(int status)
{
    out32(0xF4, 0x10u | (static_cast<u32>(status) & 0xF));
    for (;;)
        asm volatile("cli; hlt");
}

u64 counter()
{
    u32 low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (static_cast<u64>(high) << 32) | low;
}

u64 stack_pointer() { u64 v; asm volatile("mov %%rsp, %0" : "=r"(v)); return v; }

void check_cpu_state(const BootInfo& info)
{
    check("CR3 is the advertised page table root", (read_cr3() & ~0xFFFULL) == info.page_table_root);
    check("no-execute is enabled (EFER.NXE)", (read_efer() & (1u << 11)) != 0);
    check("write protection is enabled (CR0.WP)", (read_cr0() & (1u << 16)) != 0);
    check("interrupts are masked", [] { u64 flags; asm volatile("pushf; pop %0" : "=r"(flags)); return (flags & 0x200) == 0; }());
}

Mapping mapping_of(u64 virtual_address)
{
    auto leaf = live_leaf<Pte>(read_cr3() & Pte::address_mask, virtual_address);
    if (!leaf.has_value())
        return {};
    return { true, leaf->physical, leaf->size, (leaf->entry & Pte::writable) != 0, (leaf->entry & Pte::no_execute) == 0 };
}

void check_firmware_tables(const BootInfo& info)
{
    bool rsdp_ok = info.acpi_rsdp != 0;
    if (rsdp_ok) {
        auto* rsdp = direct<const u8>(info.acpi_rsdp);
        const char* signature = "RSD PTR ";
        u8 sum = 0;
        for (int i = 0; i < 8; ++i)
            rsdp_ok &= rsdp[i] == static_cast<u8>(signature[i]);
        for (int i = 0; i < 20; ++i)
            sum = static_cast<u8>(sum + rsdp[i]);
        rsdp_ok &= sum == 0;
    }
    check("ACPI RSDP found, signature and checksum valid", rsdp_ok);
}

u64 direct_map_sample(const BootInfo&) { return direct_map_base; }

bool framebuffer_optional() { return false; }

} // namespace ath::probe::arch
