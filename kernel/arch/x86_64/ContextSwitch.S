// switch_stack(uptr* save_stack_pointer /* rdi */, uptr next_stack_pointer /* rsi */)
// Saves the SysV callee-saved registers on the current stack, switches stacks, restores the next
// thread's registers and returns into it. The x87 control word and MXCSR are not switched: every
// thread runs with the boot values and nothing in the kernel changes them.
    .text
    .globl _ZN3ath6x86_644Arch12switch_stackEPmm
    .type _ZN3ath6x86_644Arch12switch_stackEPmm, @function
_ZN3ath6x86_644Arch12switch_stackEPmm:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size _ZN3ath6x86_644Arch12switch_stackEPmm, . - _ZN3ath6x86_644Arch12switch_stackEPmm

// First code of a new thread: entry (r12) gets its argument (r13); entry must not return.
    .globl x86_64_thread_trampoline
    .type x86_64_thread_trampoline, @function
x86_64_thread_trampoline:
    movq %r13, %rdi
    andq $-16, %rsp
    callq *%r12
    ud2
    .size x86_64_thread_trampoline, . - x86_64_thread_trampoline

    .section .note.GNU-stack, "", @progbits
