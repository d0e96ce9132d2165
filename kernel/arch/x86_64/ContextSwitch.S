// Arch::switch_stack, the thread trampoline and arch_catch_call (kernel/arch/x86_64/SysvContext.inc,
// shared with the usermode port).
#define ATH_SWITCH_STACK _ZN3ath6x86_644Arch12switch_stackEPmm
#define ATH_THREAD_TRAMPOLINE x86_64_thread_trampoline
#include "SysvContext.inc"

    .section .note.GNU-stack, "", @progbits
