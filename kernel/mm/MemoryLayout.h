#pragma once

// The kernel's virtual address space, the same on every 64-bit arch (48-bit virtual addresses),
// as offsets from boot::kernel_half_base (0xFFFF800000000000 on the machine ports; the usermode
// port, a Linux process, moves it into the user half: boot/BootInfo.h):
//
//   +0x000000000000  direct map of physical memory (boot contract, up to 64 TiB)
//   +0x400000000000  kernel heap window (64 GiB, mapped on demand)
//   +0x500000000000  linear-memory reservations (16 TiB: 4 GiB + 4 GiB guard each)
//   +0x600000000000  scratch window for self-tests and temporary mappings (1 GiB)
//   +0x680000000000  kernel thread stacks, each with an unmapped guard page below it (64 GiB)
//   +0x690000000000  compiled Wasm code (64 GiB; kernel/platform/kernel/KernelCodeMemory.h)
//   0xFFFFFFFF80000000  kernel image (boot contract; the usermode port's image sits where Linux
//                       loads its ELF instead)
#include <boot/BootInfo.h>
#include <kernel/lib/Address.h>

namespace ath::mm {

inline constexpr u64 direct_map_base = boot::direct_map_base;
inline constexpr u64 heap_window_base = boot::kernel_half_base + 0x400000000000ULL;
inline constexpr u64 heap_window_size = 64ULL << 30;
inline constexpr u64 linear_memory_window_base = boot::kernel_half_base + 0x500000000000ULL;
inline constexpr u64 linear_memory_window_size = 16ULL << 40;
inline constexpr u64 linear_memory_reservation = 4ULL << 30;
inline constexpr u64 linear_memory_guard = 4ULL << 30;
inline constexpr u64 scratch_window_base = boot::kernel_half_base + 0x600000000000ULL;
inline constexpr u64 scratch_window_size = 1ULL << 30;
inline constexpr u64 kernel_stack_window_base = boot::kernel_half_base + 0x680000000000ULL;
inline constexpr u64 kernel_stack_window_size = 64ULL << 30;
inline constexpr u64 code_window_base = boot::kernel_half_base + 0x690000000000ULL;
inline constexpr u64 code_window_size = 64ULL << 30;
static_assert(kernel_stack_window_base + kernel_stack_window_size <= code_window_base);
// The end of the last window.
inline constexpr u64 kernel_windows_end = code_window_base + code_window_size;

static_assert(boot::kernel_half_base != 0xFFFF800000000000ULL || heap_window_base == 0xFFFFC00000000000ULL,
              "the machine ports' layout is unchanged");

inline VirtualAddress phys_to_virt(PhysicalAddress physical) { return VirtualAddress(direct_map_base + physical.get()); }
template<typename T>
inline T* phys_to_ptr(PhysicalAddress physical) { return phys_to_virt(physical).as_ptr<T>(); }

} // namespace ath::mm
