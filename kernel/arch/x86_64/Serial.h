#pragma once

// 16550 register offsets shared by the console and the COM1 interrupt self-test.
#include <kernel/lib/Types.h>

namespace ath::x86_64 {

inline constexpr u16 com1 = 0x3F8;
inline constexpr u32 com1_isa_irq = 4;

namespace uart {
inline constexpr u16 data = 0;
inline constexpr u16 interrupt_enable = 1;
inline constexpr u16 divisor_low = 0;
inline constexpr u16 divisor_high = 1;
inline constexpr u16 fifo_control = 2;
inline constexpr u16 interrupt_identification = 2;
inline constexpr u16 line_control = 3;
inline constexpr u16 modem_control = 4;
inline constexpr u16 line_status = 5;
inline constexpr u8 transmit_empty = 0x20;
inline constexpr u8 data_ready = 0x01;
inline constexpr u8 modem_loopback = 0x10;
}

} // namespace ath::x86_64
