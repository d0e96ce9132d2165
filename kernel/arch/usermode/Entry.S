// The usermode port's assembly: the process entry, the catch call, the thread switch and the
// signal return. AT&T syntax, SysV x86_64 calling convention.

// The process starts here (ELF entry, -e kernel_entry): rsp points at argc, argv[], envp[], auxv.
// usermode_boot (Boot.cpp) reads them, builds the machine and calls kernel_main; it never returns.
    .section .text.entry, "ax"
    .globl kernel_entry
    .type kernel_entry, @function
kernel_entry:
    xorl %ebp, %ebp            // ends backtraces
    movq %rsp, %rdi
    andq $-16, %rsp
    callq usermode_boot
    ud2
    .size kernel_entry, . - kernel_entry

    .text
// u64 arch_catch_call(CatchContext* context /* rdi */, void (*body)(void*) /* rsi */, void* argument /* rdx */)
// Saves the callee-saved registers, the caller's stack pointer and return address, runs
// body(argument) and returns 0. A caught fault (Signals.cpp) rewrites the signal frame from the
// context so that the signal return "returns" from this function with rax = 1.
    .globl arch_catch_call
    .type arch_catch_call, @function
arch_catch_call:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    movq %r12, 16(%rdi)
    movq %r13, 24(%rdi)
    movq %r14, 32(%rdi)
    movq %r15, 40(%rdi)
    leaq 8(%rsp), %rax
    movq %rax, 48(%rdi)
    movq (%rsp), %rax
    movq %rax, 56(%rdi)
    pushq %rbp
    movq %rsp, %rbp
    movq %rdx, %rdi
    callq *%rsi
    popq %rbp
    xorl %eax, %eax
    ret
    .size arch_catch_call, . - arch_catch_call

// Arch::switch_stack(uptr* saved_stack_pointer /* rdi */, uptr next_stack_pointer /* rsi */)
// Pushes the callee-saved registers, stores rsp, loads the next one and pops its registers.
    .globl _ZN3ath8usermode4Arch12switch_stackEPmm
    .type _ZN3ath8usermode4Arch12switch_stackEPmm, @function
_ZN3ath8usermode4Arch12switch_stackEPmm:
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
    .size _ZN3ath8usermode4Arch12switch_stackEPmm, . - _ZN3ath8usermode4Arch12switch_stackEPmm

// A new thread's first code: entry (r12) called with its argument (r13); entry never returns.
    .globl usermode_thread_trampoline
    .type usermode_thread_trampoline, @function
usermode_thread_trampoline:
    movq %r13, %rdi
    andq $-16, %rsp
    callq *%r12
    ud2
    .size usermode_thread_trampoline, . - usermode_thread_trampoline

// The sa_restorer of every signal handler: returns from the signal through rt_sigreturn (15).
    .globl usermode_signal_return
    .type usermode_signal_return, @function
usermode_signal_return:
    movq $15, %rax
    syscall
    ud2
    .size usermode_signal_return, . - usermode_signal_return

    .section .note.GNU-stack, "", @progbits
