#pragma once

// aarch64 stage-1 translation tables, 4 KiB granule, 48-bit virtual addresses, for the loader:
// the generic builder (../../PageTableBuilder.h) with the kernel's descriptor format
// (kernel/arch/aarch64/PageTableFormat.h).
// The loader builds ONE root and installs it in both TTBR0_EL1 (identity map of low memory)
// and TTBR1_EL1 (direct map and kernel in the top half): with T0SZ = T1SZ = 16 both halves are
// indexed by VA[47:39], and the halves use disjoint level-0 slots (identity: 0, direct map: 256,
// kernel: 511). The only side effect is that low VAs 0x0000_8000_0000_0000.. alias the direct
// map until the kernel installs its own tables. Leaves use 1 GiB / 2 MiB blocks where aligned;
// each leaf is normal write-back, inner shareable, access flag preset, never unprivileged-
// executable, with AP[2] for read-only and PXN for no-execute.
#include "../../PageTableBuilder.h"

#include "LoaderFormat.h"

namespace ath::boot::arch {

// MAIR_EL1 attribute slots the descriptors index: 0 = normal write-back, 1 = Device-nGnRE.
inline constexpr u64 mair_value = 0xFF | (0x04 << 8);

using PageTableBuilder = GenericPageTableBuilder<Aarch64LoaderFormat>;

} // namespace ath::boot::arch
