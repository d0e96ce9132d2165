// The multiboot2 entry (legacy BIOS through GRUB): the header GRUB looks for, and the 32-bit code it
// jumps to. GRUB loads every segment at its physical address (linker.ld: the virtual address moved
// down to kernel_load_physical), then enters multiboot2_entry in 32-bit protected mode, paging off,
// eax = the multiboot2 magic, ebx = the physical address of the boot information.
//
// This code only gets to 64-bit C++: temporary tables identity-map the low 4 GiB (where GRUB put the
// boot information and the modules) and map the higher-half image onto its load address, then
// multiboot2_main(magic, information, start_cycles) (Stage.cpp) runs at the kernel's linked
// addresses and builds the real address space and BootInfo with the UEFI loader's code.
#define KERNEL_VIRTUAL_BASE 0xFFFFFFFF80000000
#define KERNEL_LOAD_PHYSICAL 0x200000 /* linker.ld kernel_load_physical */
#define PHYS(symbol) ((symbol) - KERNEL_VIRTUAL_BASE + KERNEL_LOAD_PHYSICAL)

#define MULTIBOOT2_HEADER_MAGIC 0xE85250D6
#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4
#define STATUS_BOOT_FAILED 2 /* kernel/main/Main.cpp status_boot_failed */

.section .multiboot2.header, "a"
.balign 8
multiboot2_header:
    .long MULTIBOOT2_HEADER_MAGIC
    .long 0 // architecture: i386 protected mode
    .long multiboot2_header_end - multiboot2_header
    .long 0x100000000 - (MULTIBOOT2_HEADER_MAGIC + (multiboot2_header_end - multiboot2_header))
    // Entry address: the ELF entry (kernel_entry) is 64-bit code, for the UEFI loader.
    .balign 8
    .short 3, 0
    .long 12
    .long PHYS(multiboot2_entry)
    // Modules page-aligned: the initrd is kept in place and the memory map is in pages.
    .balign 8
    .short 6, 0
    .long 8
    // A linear framebuffer if the loader can set one (optional: text mode is fine).
    .balign 8
    .short 5, 1
    .long 20
    .long 1024, 768, 32
    .balign 8
    .short 0, 0
    .long 8
multiboot2_header_end:

.section .text.multiboot2, "ax"
.code32
.global multiboot2_entry
multiboot2_entry:
    cli
    cld
    mov %eax, PHYS(multiboot2_magic)
    mov %ebx, PHYS(multiboot2_information)
    rdtsc
    mov %eax, PHYS(multiboot2_start_cycles)
    mov %edx, PHYS(multiboot2_start_cycles) + 4
    mov $PHYS(x86_64_boot_stack_top), %esp

    // Long mode, or a clear message.
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb .Lno_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz .Lno_long_mode

    // Eight zeroed pages: PML4, low PDPT, four PDs (identity 0..4 GiB), high PDPT, high PD.
    mov $PHYS(multiboot2_tables), %edi
    mov $(8 * 4096 / 4), %ecx
    xor %eax, %eax
    rep stosl
    mov $PHYS(multiboot2_tables), %edi
    movl $(PHYS(multiboot2_tables) + 0x1000 + 3), (%edi)
    movl $(PHYS(multiboot2_tables) + 0x6000 + 3), 511 * 8(%edi)
    movl $(PHYS(multiboot2_tables) + 0x2000 + 3), 0x1000(%edi)
    movl $(PHYS(multiboot2_tables) + 0x3000 + 3), 0x1008(%edi)
    movl $(PHYS(multiboot2_tables) + 0x4000 + 3), 0x1010(%edi)
    movl $(PHYS(multiboot2_tables) + 0x5000 + 3), 0x1018(%edi)
    movl $(PHYS(multiboot2_tables) + 0x7000 + 3), 0x6000 + 510 * 8(%edi)
    // Identity: 2048 present, writable 2 MiB pages.
    lea 0x2000(%edi), %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %edx
    shr $11, %edx
    mov %edx, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jb 1b
    // Higher half: -2 GiB + n * 2 MiB -> kernel_load_physical + n * 2 MiB, 1 GiB in all.
    lea 0x7000(%edi), %ebx
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    add $(KERNEL_LOAD_PHYSICAL | 0x83), %eax
    mov %eax, (%ebx, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jb 2b

    // PAE, and SSE usable as UEFI leaves it (the compiled kernel uses SSE registers): OSFXSR,
    // OSXMMEXCPT on, CR0.EM off, CR0.MP on.
    mov %cr4, %eax
    or $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    mov %eax, %cr4
    mov %edi, %cr3
    mov $0xC0000080, %ecx // EFER
    rdmsr
    or $(1 << 8), %eax // LME
    wrmsr
    mov %cr0, %eax
    and $~(1 << 2), %eax // EM
    or $(0x80000001 | (1 << 1)), %eax // PG, PE, MP
    mov %eax, %cr0
    lgdt PHYS(multiboot2_gdt_pointer)
    ljmp $0x08, $PHYS(.Llong_mode)

.Lno_long_mode:
    mov $PHYS(multiboot2_no_long_mode), %esi
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %ah
    mov $(COM1 + 5), %dx
    mov $100000, %ecx
2:  in %dx, %al
    test $0x20, %al
    jnz 4f
    dec %ecx
    jnz 2b
4:  mov $COM1, %dx
    mov %ah, %al
    out %al, %dx
    jmp 1b
3:  mov $DEBUG_EXIT_PORT, %dx
    mov $(0x10 | STATUS_BOOT_FAILED), %eax
    out %eax, %dx
5:  hlt
    jmp 5b

.code64
.Llong_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    movabs $x86_64_boot_stack_top, %rsp
    movabs $.Lhigher_half, %rax
    jmp *%rax
.Lhigher_half:
    xor %ebp, %ebp
    mov multiboot2_magic(%rip), %edi
    mov multiboot2_information(%rip), %esi
    mov multiboot2_start_cycles(%rip), %rdx
    call multiboot2_main
6:  cli
    hlt
    jmp 6b

.section .rodata.multiboot2, "a"
multiboot2_no_long_mode:
    .asciz "\r\nathanor: boot failed: this CPU has no 64-bit long mode, which Athanor needs\r\nathanor: power-off status=2\r\n"

.section .data.multiboot2, "aw"
.balign 8
// Flat 64-bit code and data segments, until the kernel installs its own GDT (Arch::init_cpu).
multiboot2_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF
    .quad 0x00CF92000000FFFF
multiboot2_gdt_pointer:
    .short 3 * 8 - 1
    .long PHYS(multiboot2_gdt)
.balign 8
multiboot2_start_cycles:
    .quad 0
multiboot2_magic:
    .long 0
multiboot2_information:
    .long 0

.section .bss.multiboot2, "aw", @nobits
.p2align 12
multiboot2_tables:
    .skip 8 * 4096
