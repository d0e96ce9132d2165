// The console UART as a device a driver module may own (kernel/process: capability
// `serial-port`): COM1's eight 16550 registers, reached through port I/O on this arch.
#include <kernel/arch/Arch.h>
#include <kernel/arch/x86_64/Registers.h>
#include <kernel/arch/x86_64/Serial.h>

namespace ath::x86_64 {

u32 Arch::console_uart_registers() { return 8; }

ConsoleUartKind Arch::console_uart_kind() { return ConsoleUartKind::Ns16550; }

u8 Arch::console_uart_read(u32 index) { return in8(static_cast<u16>(com1 + (index & 7))); }

void Arch::console_uart_write(u32 index, u8 value) { out8(static_cast<u16>(com1 + (index & 7)), value); }

} // namespace ath::x86_64
