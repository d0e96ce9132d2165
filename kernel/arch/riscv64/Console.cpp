// The kernel's early console: the 16550 named by the device tree's /chosen stdout-path (or the
// first ns16550a node), polled, reached through the direct map. The device tree comes straight
// from the loader's BootInfo before kernel_main validated it, so everything is checked first; if
// anything is missing the console stays silent rather than guessing an address. The same pass
// notes the power-off device, so a failing boot can still report its status.
#include <kernel/arch/Arch.h>
#include <kernel/arch/riscv64/BootDeviceTree.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>
#include <kernel/mm/MemoryLayout.h>

namespace ath::riscv64 {

namespace {

u64 g_uart_physical = 0;
u64 g_uart_virtual = 0;
u32 g_uart_shift = 0;
u32 g_uart_source = 0;
u64 g_finisher = 0;

void discover_devices()
{
    auto tree = boot_device_tree(riscv64_boot_info);
    if (tree.is_error())
        return;
    auto finisher = tree.value().find_compatible("sifive,test1");
    if (!finisher.has_value())
        finisher = tree.value().find_compatible("sifive,test0");
    if (finisher.has_value()) {
        auto reg = finisher->reg(0);
        if (reg.has_value() && reg->address < boot::direct_map_max_size)
            g_finisher = reg->address;
    }
    auto uart = arch_common::console_uart_node(tree.value(), "ns16550a");
    if (!uart.has_value())
        return;
    g_uart_shift = uart->node.property_u32("reg-shift").value_or(0);
    if (g_uart_shift > 2)
        return;
    g_uart_source = plic_source(uart->node).value_or(0);
    g_uart_physical = uart->physical;
    g_uart_virtual = mm::direct_map_base + uart->physical;
}

} // namespace

u64 uart::physical_base() { return g_uart_physical; }
u32 uart::plic_source() { return g_uart_source; }
u64 uart::register_address(u64 reg) { return g_uart_virtual + (reg << g_uart_shift); }
u8 uart::read(u64 reg) { return mmio_read<u8>(g_uart_virtual + (reg << g_uart_shift)); }
void uart::write(u64 reg, u8 value) { mmio_write<u8>(g_uart_virtual + (reg << g_uart_shift), value); }
u64 power_off_device() { return g_finisher; }

void Arch::console_init()
{
    discover_devices();
    if (!g_uart_virtual)
        return;
    // The firmware set the baud rate; keep it, make sure the format is 8N1 with FIFOs on.
    uart::write(uart::interrupt_enable, 0x00);
    uart::write(uart::line_control, 0x03);
    uart::write(uart::fifo_control, 0x07);
    uart::write(uart::modem_control, 0x0B); // DTR, RTS, OUT2 (OUT2 gates the IRQ line on PCs)
}

void Arch::console_putc(char character)
{
    if (!g_uart_virtual)
        return;
    // Bounded wait: a UART that never drains must not hang the kernel (the byte is dropped).
    for (u32 spins = 0; spins < 100000; ++spins) {
        if (uart::read(uart::line_status) & uart::transmit_empty)
            break;
    }
    uart::write(uart::data, static_cast<u8>(character));
}

Optional<u8> Arch::console_getc()
{
    if (!g_uart_virtual || !(uart::read(uart::line_status) & uart::data_ready))
        return {};
    return uart::read(uart::data);
}

ConsoleUartKind Arch::console_uart_kind() { return g_uart_virtual ? ConsoleUartKind::Ns16550 : ConsoleUartKind::None; }

} // namespace ath::riscv64
