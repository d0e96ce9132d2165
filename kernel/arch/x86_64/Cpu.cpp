// CPU setup: our own GDT (64-bit code/data + TSS), IST stacks for the exceptions that must not
// run on a possibly broken stack (#DF, NMI, #MC), the IDT, and the control-register features
// the kernel relies on (SSE, NX, write protection in ring 0).
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/InterruptFrame.h>
#include <kernel/arch/x86_64/Registers.h>

extern "C" const ath::u8 x86_64_interrupt_stubs[];
extern "C" const ath::u8 x86_64_interrupt_stubs_end[];

namespace ath::x86_64 {

namespace {

constexpr u16 kernel_code_selector = 0x08;
constexpr u16 kernel_data_selector = 0x10;
constexpr u16 tss_selector = 0x18;

struct [[gnu::packed]] TaskStateSegment {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 io_map_base;
};
static_assert(sizeof(TaskStateSegment) == 104);

struct [[gnu::packed]] DescriptorTablePointer {
    u16 limit;
    u64 base;
};

struct IdtEntry {
    u16 offset_low;
    u16 selector;
    u8 ist;
    u8 type_attributes;
    u16 offset_middle;
    u32 offset_high;
    u32 reserved;
};
static_assert(sizeof(IdtEntry) == 16);

// IST slots (1-based in the descriptor): each gets its own stack.
enum IstSlot : u8 { ist_double_fault = 1, ist_nmi = 2, ist_machine_check = 3 };
constexpr usize ist_stack_size = usize(16) * 1024;

alignas(16) u8 g_ist_stacks[3][ist_stack_size];
alignas(16) TaskStateSegment g_tss;
alignas(16) u64 g_gdt[5];
alignas(16) IdtEntry g_idt[256];

constexpr u64 code_segment_64 = 0x00AF9A000000FFFFULL; // present, ring 0, executable, long mode
constexpr u64 data_segment = 0x00CF92000000FFFFULL;    // present, ring 0, writable

void build_gdt()
{
    g_tss.io_map_base = sizeof(TaskStateSegment); // no I/O permission bitmap
    for (usize i = 0; i < 3; ++i)
        g_tss.ist[i] = reinterpret_cast<u64>(&g_ist_stacks[i][ist_stack_size]);

    u64 base = reinterpret_cast<u64>(&g_tss);
    u64 limit = sizeof(TaskStateSegment) - 1;
    g_gdt[0] = 0;
    g_gdt[1] = code_segment_64;
    g_gdt[2] = data_segment;
    // A 64-bit TSS descriptor takes two slots: type 0x9 (available TSS), present.
    g_gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (u64(0x89) << 40) | (((limit >> 16) & 0xF) << 48)
        | (((base >> 24) & 0xFF) << 56);
    g_gdt[4] = base >> 32;
}

void build_idt()
{
    // InterruptStubs.S lays the 256 stubs out 16 bytes apart.
    VERIFY(x86_64_interrupt_stubs_end - x86_64_interrupt_stubs == isize(256) * 16);
    for (u64 vector = 0; vector < 256; ++vector) {
        u64 handler = reinterpret_cast<u64>(x86_64_interrupt_stubs) + 16 * vector;
        IdtEntry& entry = g_idt[vector];
        entry.offset_low = u16(handler);
        entry.selector = kernel_code_selector;
        entry.ist = 0;
        entry.type_attributes = 0x8E; // present, ring 0, 64-bit interrupt gate (IF cleared on entry)
        entry.offset_middle = u16(handler >> 16);
        entry.offset_high = u32(handler >> 32);
        entry.reserved = 0;
    }
    g_idt[vector::double_fault].ist = ist_double_fault;
    g_idt[vector::nmi].ist = ist_nmi;
    g_idt[vector::machine_check].ist = ist_machine_check;
}

void enable_cpu_features()
{
    // CR0: MP (wait honours TS), no EM (SSE needs it clear), WP (ring 0 obeys read-only pages).
    u64 cr0 = read_cr0();
    cr0 &= ~(u64(1) << 2);
    cr0 |= (u64(1) << 1) | (u64(1) << 16);
    write_cr0(cr0);
    // CR4: OSFXSR + OSXMMEXCPT (SSE with FXSAVE and SIMD exceptions), PGE (global pages).
    u64 cr4 = read_cr4();
    cr4 |= (u64(1) << 9) | (u64(1) << 10) | (u64(1) << 7);
    write_cr4(cr4);
    // EFER.NXE: the execute-disable bit in page tables.
    write_msr(msr::efer, read_msr(msr::efer) | (u64(1) << 11));
    // Initialise the x87/SSE state to defaults (masked exceptions) so the first FXSAVE is sane.
    asm volatile("fninit");
    u32 mxcsr = 0x1F80;
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));
}

} // namespace

void load_descriptor_tables()
{
    DescriptorTablePointer gdt_pointer { sizeof(g_gdt) - 1, reinterpret_cast<u64>(g_gdt) };
    asm volatile("lgdt %0" : : "m"(gdt_pointer));
    // Reload CS with a far return, then the data segments.
    asm volatile("pushq %[code]\n"
                 "leaq 1f(%%rip), %%rax\n"
                 "pushq %%rax\n"
                 "lretq\n"
                 "1:\n"
                 "movw %[data], %%ax\n"
                 "movw %%ax, %%ds\n"
                 "movw %%ax, %%es\n"
                 "movw %%ax, %%ss\n"
                 "xorw %%ax, %%ax\n"
                 "movw %%ax, %%fs\n"
                 "movw %%ax, %%gs\n"
                 :
                 : [code] "i"(u64(kernel_code_selector)), [data] "i"(kernel_data_selector)
                 : "rax", "memory");
    asm volatile("ltr %0" : : "r"(tss_selector));
    DescriptorTablePointer idt_pointer { sizeof(g_idt) - 1, reinterpret_cast<u64>(g_idt) };
    asm volatile("lidt %0" : : "m"(idt_pointer));
}

void Arch::init_cpu()
{
    enable_cpu_features();
    build_gdt();
    build_idt();
    load_descriptor_tables();
}

bool Arch::interrupts_enabled() { return (read_flags() & (u64(1) << 9)) != 0; }
void Arch::enable_interrupts() { asm volatile("sti" ::: "memory"); }
void Arch::disable_interrupts() { asm volatile("cli" ::: "memory"); }

} // namespace ath::x86_64
