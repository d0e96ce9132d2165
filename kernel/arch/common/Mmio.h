#pragma once

// Memory-mapped register access for the ports whose devices sit in the physical address space
// (aarch64, riscv64): one volatile load or store of exactly T's width, never merged or split.
#include <kernel/lib/Types.h>

namespace ath::arch_common {

template<typename T>
inline T mmio_read(u64 address)
{
    return *reinterpret_cast<volatile T*>(address);
}

template<typename T>
inline void mmio_write(u64 address, T value)
{
    *reinterpret_cast<volatile T*>(address) = value;
}

} // namespace ath::arch_common
