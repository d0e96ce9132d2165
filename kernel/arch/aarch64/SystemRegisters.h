#pragma once

// Reading and writing aarch64 system registers by name, and the barriers this folder needs.
#include <kernel/arch/common/Mmio.h>
#include <kernel/arch/common/SpecialRegisters.h>
#include <kernel/lib/Types.h>

#define ATH_READ_SYSREG(name) ATH_READ_SPECIAL_REGISTER("mrs %0, " #name)
#define ATH_WRITE_SYSREG(name, value) ATH_WRITE_SPECIAL_REGISTER("msr " #name ", %0", value)

namespace ath::aarch64 {

inline void instruction_barrier() { asm volatile("isb" ::: "memory"); }
inline void data_barrier() { asm volatile("dsb ish" ::: "memory"); }

using arch_common::mmio_read;
using arch_common::mmio_write;

// ESR_EL1 exception classes the kernel tells apart.
namespace exception_class {
inline constexpr u64 unknown = 0x00; // includes UDF and other undefined instructions
inline constexpr u64 illegal_state = 0x0E;
inline constexpr u64 instruction_abort_lower = 0x20;
inline constexpr u64 instruction_abort = 0x21;
inline constexpr u64 pc_alignment = 0x22;
inline constexpr u64 data_abort_lower = 0x24;
inline constexpr u64 data_abort = 0x25;
inline constexpr u64 sp_alignment = 0x26;
inline constexpr u64 serror = 0x2F;
inline constexpr u64 brk = 0x3C;
}

} // namespace ath::aarch64
