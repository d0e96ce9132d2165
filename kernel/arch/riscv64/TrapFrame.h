#pragma once

// The register state Trap.S saves on every trap, lowest address first. Handlers may edit the
// integer registers and sepc: the stub restores them (a caught fault resumes somewhere else by
// changing sepc and a0/a1). x[0] is unused; x[2] is the interrupted sp (read-only: the stub
// returns to frame + size).
#include <kernel/arch/common/Mmio.h>
#include <kernel/arch/common/SpecialRegisters.h>
#include <kernel/lib/Types.h>

namespace ath::riscv64 {

struct alignas(16) TrapFrame {
    u64 x[32];
    u64 sepc;
    u64 sstatus;
    u64 scause;
    u64 stval;
    u64 f[32];
    u64 fcsr;
    u64 unused;
};
static_assert(sizeof(TrapFrame) == 560, "must match the layout in Trap.S");

inline constexpr u64 cause_interrupt = 1ULL << 63;
namespace cause {
inline constexpr u64 instruction_misaligned = 0;
inline constexpr u64 instruction_access = 1;
inline constexpr u64 illegal_instruction = 2;
inline constexpr u64 breakpoint = 3;
inline constexpr u64 load_misaligned = 4;
inline constexpr u64 load_access = 5;
inline constexpr u64 store_misaligned = 6;
inline constexpr u64 store_access = 7;
inline constexpr u64 instruction_page_fault = 12;
inline constexpr u64 load_page_fault = 13;
inline constexpr u64 store_page_fault = 15;
inline constexpr u64 supervisor_timer = 5;    // with cause_interrupt
inline constexpr u64 supervisor_external = 9; // with cause_interrupt
}

extern "C" void riscv64_trap_dispatch(TrapFrame* frame);
void print_trap_frame(const TrapFrame& frame);

// InterruptController.cpp
void handle_timer_interrupt();
void handle_external_interrupt();

// Set by Entry.S: the loader's BootInfo pointer, for the console (read before kernel_main
// validates anything, so the console checks what it uses).
extern "C" u64 riscv64_boot_info;

// Reading and writing CSRs by name.
#define ATH_READ_CSR(name) ATH_READ_SPECIAL_REGISTER("csrr %0, " #name)
#define ATH_WRITE_CSR(name, value) ATH_WRITE_SPECIAL_REGISTER("csrw " #name ", %0", value)
#define ATH_SET_CSR(name, bits) ATH_WRITE_SPECIAL_REGISTER("csrs " #name ", %0", bits)
#define ATH_CLEAR_CSR(name, bits) ATH_WRITE_SPECIAL_REGISTER("csrc " #name ", %0", bits)

using arch_common::mmio_read;
using arch_common::mmio_write;

// A call into the SBI firmware (extension, function, up to three arguments): {error, value}.
struct SbiResult {
    i64 error;
    u64 value;
};
inline SbiResult sbi_call(u64 extension, u64 function, u64 arg0 = 0, u64 arg1 = 0, u64 arg2 = 0)
{
    register u64 a0 asm("a0") = arg0;
    register u64 a1 asm("a1") = arg1;
    register u64 a2 asm("a2") = arg2;
    register u64 a6 asm("a6") = function;
    register u64 a7 asm("a7") = extension;
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return { static_cast<i64>(a0), a1 };
}

} // namespace ath::riscv64
