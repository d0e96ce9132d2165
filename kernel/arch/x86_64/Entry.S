// kernel_entry(BootInfo* info): the loader jumps here (SysV ABI, info in rdi, interrupts masked)
// on its own stack. Clear .bss (the boot stack lives there, so do it before switching), move to
// the kernel's boot stack and call kernel_main(info), which never returns.
.intel_syntax noprefix
.section .text.entry, "ax"
.global kernel_entry
kernel_entry:
    cli
    cld
    mov r12, rdi
    lea rdi, [rip + __bss_start]
    lea rcx, [rip + __bss_end]
    sub rcx, rdi
    xor eax, eax
    rep stosb
    lea rsp, [rip + x86_64_boot_stack_top]
    xor ebp, ebp
    mov rdi, r12
    call kernel_main
1:  cli
    hlt
    jmp 1b

.section .bss
.p2align 12
// One unmapped page below the boot stack (Mmu.cpp leaves it out), so an overflow faults (#PF,
// escalating to #DF on its IST stack) instead of silently corrupting .bss.
.global x86_64_boot_stack_guard
x86_64_boot_stack_guard:
    .skip 4096
.global x86_64_boot_stack_bottom
x86_64_boot_stack_bottom:
    .skip 65536
.global x86_64_boot_stack_top
x86_64_boot_stack_top:
