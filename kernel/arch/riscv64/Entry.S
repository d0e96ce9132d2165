// kernel_entry(BootInfo* info): the loader jumps here in S-mode (a0 = info, SIE off, Sv48 on
// with its tables) on its own stack. Turn the FPU on (sstatus.FS = Initial: the kernel uses
// f/d registers), clear .bss (the boot stack lives there), keep the BootInfo pointer for the
// console, move to the kernel's boot stack and call kernel_main(info), which never returns.
.section .text.entry, "ax"
.global kernel_entry
kernel_entry:
    csrci sstatus, 2
    li t0, (1 << 13)
    csrs sstatus, t0
    csrw sie, zero
    mv s1, a0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  la t0, riscv64_boot_info
    sd s1, 0(t0)
    la sp, riscv64_boot_stack_top
    li s0, 0
    li ra, 0
    mv a0, s1
    call kernel_main
3:  wfi
    j 3b

.section .bss
.p2align 12
// One unmapped page below the boot stack (Mmu.cpp leaves it out), so an overflow faults.
.global riscv64_boot_stack_guard
riscv64_boot_stack_guard:
    .skip 4096
.global riscv64_boot_stack_bottom
riscv64_boot_stack_bottom:
    .skip 65536
.global riscv64_boot_stack_top
riscv64_boot_stack_top:
.p2align 3
.global riscv64_boot_info
riscv64_boot_info:
    .skip 8
