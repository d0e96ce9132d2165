// Arch::switch_stack(uptr* save_stack_pointer /* a0 */, uptr next_stack_pointer /* a1 */)
// Saves the callee-saved registers (s0-s11, ra, fs0-fs11) on the current stack, switches stacks,
// restores the next thread's registers and returns into it (ra). fcsr is not switched: every
// thread runs with the boot value and nothing in the kernel changes it.
.text
// Defined under its C++ name (ath::riscv64::Arch::switch_stack), as x86_64 does: no wrapper.
.global _ZN3ath7riscv644Arch12switch_stackEPmm
_ZN3ath7riscv644Arch12switch_stackEPmm:
    addi sp, sp, -208
    sd s0, 0(sp)
    sd s1, 8(sp)
    sd s2, 16(sp)
    sd s3, 24(sp)
    sd s4, 32(sp)
    sd s5, 40(sp)
    sd s6, 48(sp)
    sd s7, 56(sp)
    sd s8, 64(sp)
    sd s9, 72(sp)
    sd s10, 80(sp)
    sd s11, 88(sp)
    sd ra, 96(sp)
    fsd fs0, 112(sp)
    fsd fs1, 120(sp)
    fsd fs2, 128(sp)
    fsd fs3, 136(sp)
    fsd fs4, 144(sp)
    fsd fs5, 152(sp)
    fsd fs6, 160(sp)
    fsd fs7, 168(sp)
    fsd fs8, 176(sp)
    fsd fs9, 184(sp)
    fsd fs10, 192(sp)
    fsd fs11, 200(sp)
    sd sp, 0(a0)
    mv sp, a1
    ld s0, 0(sp)
    ld s1, 8(sp)
    ld s2, 16(sp)
    ld s3, 24(sp)
    ld s4, 32(sp)
    ld s5, 40(sp)
    ld s6, 48(sp)
    ld s7, 56(sp)
    ld s8, 64(sp)
    ld s9, 72(sp)
    ld s10, 80(sp)
    ld s11, 88(sp)
    ld ra, 96(sp)
    fld fs0, 112(sp)
    fld fs1, 120(sp)
    fld fs2, 128(sp)
    fld fs3, 136(sp)
    fld fs4, 144(sp)
    fld fs5, 152(sp)
    fld fs6, 160(sp)
    fld fs7, 168(sp)
    fld fs8, 176(sp)
    fld fs9, 184(sp)
    fld fs10, 192(sp)
    fld fs11, 200(sp)
    addi sp, sp, 208
    ret

// First code of a new thread: entry (s1) gets its argument (s2); entry must not return.
.global riscv64_thread_trampoline
riscv64_thread_trampoline:
    mv a0, s2
    jalr s1
    .4byte 0
