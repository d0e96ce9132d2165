// One entry stub per IDT vector. Every stub makes the stack look the same (an error code slot,
// then the vector number) and jumps to interrupt_common, which saves the general registers and the
// full FXSAVE state (the kernel uses SSE; an interrupt must not change XMM registers under the
// code it interrupted), calls x86_64_interrupt_dispatch(InterruptFrame*) and restores all of it.

.intel_syntax noprefix
.text

// Every stub is 16 bytes apart (x86_64_interrupt_stubs + 16 * vector); each pushes a zero error
// code unless the CPU pushes one itself for that vector, then the vector number.
.p2align 4
.global x86_64_interrupt_stubs
x86_64_interrupt_stubs:
.set stub_vector, 0
.rept 256
    .p2align 4
    .if (stub_vector == 8) || (stub_vector >= 10 && stub_vector <= 14) || (stub_vector == 17) || (stub_vector == 21) || (stub_vector == 29) || (stub_vector == 30)
    .else
    push 0
    .endif
    push stub_vector
    jmp interrupt_common
    .set stub_vector, stub_vector + 1
.endr
.p2align 4
.global x86_64_interrupt_stubs_end
x86_64_interrupt_stubs_end:

.p2align 4
interrupt_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rbx, rsp            // rbx = InterruptFrame*, callee-saved across the call
    sub rsp, 512
    and rsp, -16
    fxsave64 [rsp]
    mov rdi, rbx
    cld
    call x86_64_interrupt_dispatch
    fxrstor64 [rsp]
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16             // vector and error code
    iretq

// arch_catch_call, which the handler resumes in, is in SysvContext.inc (ContextSwitch.S).
