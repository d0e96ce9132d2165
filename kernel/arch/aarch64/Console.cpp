// The kernel's early console: the PL011 named by the device tree's /chosen stdout-path (or the
// first arm,pl011 node), polled. The device tree comes straight from the loader's BootInfo
// before kernel_main has validated it, so everything used here is checked first; if anything
// is missing the console stays silent rather than guessing an address.
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/BootDeviceTree.h>
#include <kernel/arch/aarch64/ExceptionFrame.h>
#include <kernel/arch/aarch64/Pl011.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/firmware/DeviceTree.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::aarch64 {

namespace {

u64 g_uart_physical = 0;
u32 g_uart_interrupt = 0;

void discover_uart()
{
    auto tree = boot_device_tree(aarch64_boot_info);
    if (tree.is_error())
        return;
    auto uart = arch_common::console_uart_node(tree.value(), "arm,pl011");
    if (!uart.has_value())
        return;
    g_uart_physical = uart->physical;
    g_uart_interrupt = gic_interrupt(uart->node, 0).value_or(0);
}

} // namespace

u64 pl011::console_physical_base() { return g_uart_physical; }
u32 pl011::console_interrupt() { return g_uart_interrupt; }
u64 pl011::console_virtual_base() { return g_uart_physical ? mm::direct_map_base + g_uart_physical : 0; }

void Arch::console_init()
{
    discover_uart();
    if (!g_uart_physical)
        return;
    // The firmware already set the baud rate; make sure the UART, its transmitter and FIFOs are on.
    u64 base = pl011::console_virtual_base();
    mmio_write<u32>(base + pl011::interrupt_mask, 0);
    mmio_write<u32>(base + pl011::line_control, (3u << 5) | (1u << 4)); // 8 bits, FIFOs
    mmio_write<u32>(base + pl011::control, (1u << 0) | (1u << 8) | (1u << 9)); // UARTEN, TXE, RXE
}

void Arch::console_putc(char character)
{
    u64 base = pl011::console_virtual_base();
    if (!base)
        return;
    // Bounded wait: a UART that never drains must not hang the kernel (the byte is dropped).
    for (u32 spins = 0; spins < 100000; ++spins) {
        if (!(mmio_read<u32>(base + pl011::flags) & pl011::flag_transmit_full))
            break;
    }
    mmio_write<u32>(base + pl011::data, static_cast<u8>(character));
}

Optional<u8> Arch::console_getc()
{
    u64 base = pl011::console_virtual_base();
    if (!base || (mmio_read<u32>(base + pl011::flags) & pl011::flag_receive_empty))
        return {};
    return static_cast<u8>(mmio_read<u32>(base + pl011::data)); // the low byte; the rest are error bits
}

ConsoleUartKind Arch::console_uart_kind() { return g_uart_physical ? ConsoleUartKind::Pl011 : ConsoleUartKind::None; }

} // namespace ath::aarch64
