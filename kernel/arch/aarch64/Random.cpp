// Hardware entropy: RNDR (FEAT_RNG, ID_AA64ISAR0_EL1.RNDR != 0). The instruction sets NZCV.Z
// when it could not produce a value; a few retries, then none.
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/SystemRegisters.h>

namespace ath::aarch64 {

Optional<u64> Arch::hardware_random()
{
    u64 features = ATH_READ_SYSREG(id_aa64isar0_el1);
    if (((features >> 60) & 0xF) == 0)
        return none;
    for (int attempt = 0; attempt < 10; ++attempt) {
        u64 value, failed;
        asm volatile("mrs %0, s3_3_c2_c4_0\n cset %1, eq" : "=r"(value), "=r"(failed) : : "cc");
        if (!failed)
            return value;
    }
    return none;
}

} // namespace ath::aarch64
