#pragma once

// Reading and writing a special register by instruction (aarch64 system registers, RISC-V CSRs,
// x86_64 control registers): `asm_template` moves the register into %0, or %0 into the register.
// Each port names its own on top (ATH_READ_SYSREG, ATH_READ_CSR, read_cr3, ...).
#include <kernel/lib/Types.h>

// NOLINTBEGIN(bugprone-macro-parentheses): an asm template must be a string literal, not a parenthesised expression
#define ATH_READ_SPECIAL_REGISTER(asm_template)                                                                \
    ([] {                                                                                                      \
        ::ath::u64 value_;                                                                                     \
        asm volatile(asm_template : "=r"(value_));                                                             \
        return value_;                                                                                         \
    }())
#define ATH_WRITE_SPECIAL_REGISTER(asm_template, value) asm volatile(asm_template : : "r"(::ath::u64(value)) : "memory")
// NOLINTEND(bugprone-macro-parentheses)
