// The usermode port's assembly: the process entry, the signal return, and (from the x86_64 port)
// the catch call and the thread switch. AT&T syntax, SysV x86_64 calling convention.

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

// Arch::switch_stack, the thread trampoline and arch_catch_call: the x86_64 port's (the same
// instructions run here in user mode). A caught fault (Signals.cpp) rewrites the signal frame from
// the catch context so that the signal return "returns 1" from arch_catch_call.
#define ATH_SWITCH_STACK _ZN3ath8usermode4Arch12switch_stackEPmm
#define ATH_THREAD_TRAMPOLINE usermode_thread_trampoline
#include <kernel/arch/x86_64/SysvContext.inc>

    .text
// The sa_restorer of every signal handler: returns from the signal through rt_sigreturn (15).
    .globl usermode_signal_return
    .type usermode_signal_return, @function
usermode_signal_return:
    movq $15, %rax
    syscall
    ud2
    .size usermode_signal_return, . - usermode_signal_return

    .section .note.GNU-stack, "", @progbits
