#pragma once

// The register state InterruptStubs.S saves on every interrupt or exception, lowest address
// first. Handlers may edit it: the stub restores every field, so changing rip/rsp/rax is how a
// caught fault resumes somewhere else.
#include <kernel/lib/Types.h>

namespace ath::x86_64 {

struct InterruptFrame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector;
    u64 error_code; // 0 for vectors without one
    // Pushed by the CPU.
    u64 rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(InterruptFrame) == sizeof(u64) * 22, "must match the push order in InterruptStubs.S");

namespace vector {
inline constexpr u64 divide_error = 0;
inline constexpr u64 nmi = 2;
inline constexpr u64 breakpoint = 3;
inline constexpr u64 invalid_opcode = 6;
inline constexpr u64 double_fault = 8;
inline constexpr u64 general_protection = 13;
inline constexpr u64 page_fault = 14;
inline constexpr u64 machine_check = 18;
inline constexpr u64 first_irq = 0x30;   // IOAPIC inputs (GSI n -> 0x30 + n)
inline constexpr u64 irq_count = 24;
inline constexpr u64 lapic_timer = 0x50;
inline constexpr u64 first_msi = 0x60; // MSI/MSI-X vectors of PCI functions
inline constexpr u64 msi_count = 32;
inline constexpr u64 spurious = 0xFF;
}

// Interrupts.cpp: the C++ side of the stubs.
extern "C" void x86_64_interrupt_dispatch(InterruptFrame* frame);
void print_interrupt_frame(const InterruptFrame& frame);

// Cpu.cpp
void load_descriptor_tables();

// Platform.cpp: LAPIC end-of-interrupt and the IRQ table.
void lapic_end_of_interrupt();
void dispatch_irq(u64 vector);

} // namespace ath::x86_64
