// Arch::switch_stack(uptr* save_stack_pointer /* x0 */, uptr next_stack_pointer /* x1 */)
// Saves the AAPCS64 callee-saved registers (x19-x30, d8-d15) on the current stack, switches
// stacks, restores the next thread's registers and returns into it (x30). FPCR is not switched:
// every thread runs with the boot value and nothing in the kernel changes it.
.text
// Defined under its C++ name (ath::aarch64::Arch::switch_stack), as x86_64 does: no wrapper.
.global _ZN3ath7aarch644Arch12switch_stackEPmm
_ZN3ath7aarch644Arch12switch_stackEPmm:
    sub sp, sp, #160
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #160
    ret

// First code of a new thread: entry (x19) gets its argument (x20); entry must not return.
.global aarch64_thread_trampoline
aarch64_thread_trampoline:
    mov x0, x20
    blr x19
    udf #0
