// RDRAND as the arch's hardware entropy source (seed material only; see kernel/platform/kernel/KernelRandom.h).
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>

namespace ath::x86_64 {

Optional<u64> Arch::hardware_random()
{
    constexpr u32 rdrand_bit = 1u << 30; // CPUID.1:ECX
    if ((cpuid(1).ecx & rdrand_bit) == 0)
        return none;
    // Intel's guidance: retry a few times; a generator that keeps failing is treated as absent.
    for (int attempt = 0; attempt < 10; ++attempt) {
        u64 value;
        u8 ok;
        asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
        if (ok)
            return value;
    }
    return none;
}

} // namespace ath::x86_64
