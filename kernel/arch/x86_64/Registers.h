#pragma once

// Thin wrappers over x86_64 instructions the rest of this folder needs: port I/O, MSRs, control
// registers, TLB invalidation.
#include <kernel/arch/common/SpecialRegisters.h>
#include <kernel/lib/Types.h>

namespace ath::x86_64 {

inline void out8(u16 port, u8 value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline void out32(u16 port, u32 value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
inline u8 in8(u16 port)
{
    u8 value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline u64 read_msr(u32 msr)
{
    u32 low, high;
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return (u64(high) << 32) | low;
}
inline void write_msr(u32 msr, u64 value)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(u32(value)), "d"(u32(value >> 32)));
}

inline u64 read_cr0() { return ATH_READ_SPECIAL_REGISTER("mov %%cr0, %0"); }
inline void write_cr0(u64 value) { ATH_WRITE_SPECIAL_REGISTER("mov %0, %%cr0", value); }
inline u64 read_cr2() { return ATH_READ_SPECIAL_REGISTER("mov %%cr2, %0"); }
inline u64 read_cr3() { return ATH_READ_SPECIAL_REGISTER("mov %%cr3, %0"); }
inline void write_cr3(u64 value) { ATH_WRITE_SPECIAL_REGISTER("mov %0, %%cr3", value); }
inline u64 read_cr4() { return ATH_READ_SPECIAL_REGISTER("mov %%cr4, %0"); }
inline void write_cr4(u64 value) { ATH_WRITE_SPECIAL_REGISTER("mov %0, %%cr4", value); }

inline void invlpg(u64 address) { asm volatile("invlpg (%0)" : : "r"(address) : "memory"); }

inline u64 read_flags()
{
    u64 flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags;
}

struct CpuidResult {
    u32 eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(u32 leaf, u32 subleaf = 0)
{
    CpuidResult r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline u64 read_tsc()
{
    u32 low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (u64(high) << 32) | low;
}

namespace msr {
inline constexpr u32 apic_base = 0x1B;
inline constexpr u32 efer = 0xC0000080;
inline constexpr u32 pat = 0x277;
}

} // namespace ath::x86_64
