// kernel_entry(BootInfo* info): the loader branches here at EL1 (x0 = info, interrupts masked,
// MMU on with its tables) on its own stack. Clear .bss (the boot stack lives there), keep the
// BootInfo pointer for the console (which needs the device tree before kernel_main checks
// anything), move to the kernel's boot stack and call kernel_main(info), which never returns.
.section .text.entry, "ax"
.global kernel_entry
kernel_entry:
    msr daifset, #0xf
    mov x19, x0
    adrp x0, __bss_start
    add x0, x0, :lo12:__bss_start
    adrp x1, __bss_end
    add x1, x1, :lo12:__bss_end
1:  cmp x0, x1
    b.hs 2f
    str xzr, [x0], #8
    b 1b
2:  adrp x0, aarch64_boot_info
    str x19, [x0, :lo12:aarch64_boot_info]
    adrp x0, aarch64_boot_stack_top
    add x0, x0, :lo12:aarch64_boot_stack_top
    mov sp, x0
    mov x29, xzr
    mov x30, xzr
    mov x0, x19
    bl kernel_main
3:  wfi
    b 3b

.section .bss
.p2align 12
// One unmapped page below the boot stack (Mmu.cpp leaves it out), so an overflow faults.
.global aarch64_boot_stack_guard
aarch64_boot_stack_guard:
    .skip 4096
.global aarch64_boot_stack_bottom
aarch64_boot_stack_bottom:
    .skip 65536
.global aarch64_boot_stack_top
aarch64_boot_stack_top:
.p2align 3
.global aarch64_boot_info
aarch64_boot_info:
    .skip 8
