#pragma once

// The NS16550A console UART (registers `reg-shift` apart) and what the platform found in the
// device tree next to it: the machine's power-off device (QEMU's sifive,test "finisher").
#include <kernel/lib/Types.h>

namespace ath::riscv64 {

namespace uart {
inline constexpr u64 data = 0;
inline constexpr u64 interrupt_enable = 1;
inline constexpr u64 fifo_control = 2;
inline constexpr u64 interrupt_identification = 2;
inline constexpr u64 line_control = 3;
inline constexpr u64 modem_control = 4;
inline constexpr u64 line_status = 5;
inline constexpr u8 transmit_empty = 0x20;
inline constexpr u8 data_ready = 0x01;
inline constexpr u8 modem_loopback = 0x10;

// Physical base, register stride and PLIC source of the console UART (0 when unknown).
u64 physical_base();
u32 plic_source();
u8 read(u64 reg);
u64 register_address(u64 reg); // virtual
void write(u64 reg, u8 value);
}

// Physical address of the sifive,test finisher (0 when the device tree names none).
u64 power_off_device();

} // namespace ath::riscv64
