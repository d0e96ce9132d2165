// Hardware entropy: the Zkr `seed` CSR exists only on some harts and its presence cannot be
// probed from S-mode without trapping; the kernel does not assume it (none).
#include <kernel/arch/Arch.h>

namespace ath::riscv64 {

Optional<u64> Arch::hardware_random() { return none; }

} // namespace ath::riscv64
