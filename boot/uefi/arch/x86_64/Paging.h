#pragma once

// x86_64 4-level page tables (PML4 -> PDPT -> PD -> PT) for the loader: the generic builder
// (../../PageTableBuilder.h) with the kernel's entry format (kernel/arch/x86_64/PageTableFormat.h).
// Leaves use the largest size the alignment allows (1 GiB when the CPU has pdpe1gb, 2 MiB, 4 KiB);
// permissions are the write and no-execute bits (no-execute only when the CPU has NX: otherwise
// the bit is reserved and every page is executable).
#include "../../PageTableBuilder.h"

#include "LoaderFormat.h"

namespace ath::boot::arch {

using PageTableBuilder = GenericPageTableBuilder<X86_64LoaderFormat>;

} // namespace ath::boot::arch
