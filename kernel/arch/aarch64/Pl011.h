#pragma once

// PL011 UART registers shared by the console and the interrupt self-tests.
#include <kernel/lib/Types.h>

namespace ath::aarch64::pl011 {

inline constexpr u64 data = 0x00;
inline constexpr u64 flags = 0x18;
inline constexpr u64 line_control = 0x2C;
inline constexpr u64 control = 0x30;
inline constexpr u64 interrupt_mask = 0x38;
inline constexpr u64 raw_interrupt_status = 0x3C;
inline constexpr u64 interrupt_clear = 0x44;
inline constexpr u32 flag_receive_empty = 1u << 4;
inline constexpr u32 flag_transmit_full = 1u << 5;
inline constexpr u32 interrupt_transmit = 1u << 5;

// Physical base of the console UART and its GIC INTID (0 when the device tree names none).
u64 console_physical_base();
u32 console_interrupt();
// Where the console reaches the UART: the direct map (the loader maps it; Mmu::init maps it
// again as Device memory in the kernel's own tables).
u64 console_virtual_base();

} // namespace ath::aarch64::pl011
