#pragma once

// RISC-V Sv48 page tables for the loader: the generic builder (../../PageTableBuilder.h) with the
// kernel's entry format (kernel/arch/riscv64/PageTableFormat.h). 48-bit virtual addresses are
// sign-extended from bit 47, like x86_64's canonical halves, so one root holds the identity map
// and the higher half. Leaves use the largest size the alignment allows (1 GiB, 2 MiB, 4 KiB);
// non-leaf entries carry only V and each leaf has the real permissions (R, W, X), A and D preset
// (the CPU may fault instead of setting them) and G for the kernel half.
#include "../../PageTableBuilder.h"

#include "LoaderFormat.h"

namespace ath::boot::arch {

using PageTableBuilder = GenericPageTableBuilder<Riscv64LoaderFormat>;

} // namespace ath::boot::arch
