/* uart: the "Hello World" driver. It owns the console UART through the `serial-port` capability,
 * and prints every line the kernel and the other modules write to the console. Register access
 * goes through azoth_device, and the capability says which register model the UART follows
 * (uart_kind: a 16550 by port I/O on x86_64 or MMIO on riscv64 virt, a PL011 on aarch64 virt),
 * so the same .wasm drives the console UART on every arch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "azoth_process.h"

/* 16550: data register 0, line status register 5 with "transmit holding empty" (bit 5).
 * PL011: register indexes are offsets / 4: DR (0x00) is 0, FR (0x18) is 6 with TXFF (bit 5). */
enum { NS16550_DATA = 0, NS16550_LINE_STATUS = 5, NS16550_TRANSMIT_EMPTY = 0x20 };
enum { PL011_DATA = 0, PL011_FLAGS = 6, PL011_TRANSMIT_FULL = 0x20 };

static unsigned long long bytes_written;
static uint32_t uart_kind = AZD_UART_NONE;

/* True when the transmitter can take a byte now (or the status cannot be read: then write anyway). */
static int transmitter_ready(void)
{
    uint8_t status = 0;
    if (uart_kind == AZD_UART_PL011)
        return azd_uart_read(PL011_FLAGS, &status) != AZP_OK || !(status & PL011_TRANSMIT_FULL);
    return azd_uart_read(NS16550_LINE_STATUS, &status) != AZP_OK || (status & NS16550_TRANSMIT_EMPTY);
}

static void put_byte(uint8_t byte)
{
    /* Bounded wait, like the kernel's early console: a stuck UART drops the byte. */
    for (int spins = 0; spins < 100000 && !transmitter_ready(); ++spins) {
    }
    azd_uart_write(uart_kind == AZD_UART_PL011 ? PL011_DATA : NS16550_DATA, byte);
    bytes_written++;
}

static void put_text(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n')
            put_byte('\r');
        put_byte((uint8_t)text[i]);
    }
}

int main(void)
{
    int32_t status = azd_uart_kind(&uart_kind);
    if (status == AZP_OK && uart_kind != AZD_UART_NS16550 && uart_kind != AZD_UART_PL011) {
        printf("uart: the console UART's register model (%u) is not one this driver knows\n", (unsigned)uart_kind);
        return 1;
    }
    if (status == AZP_OK)
        status = azd_console_attach();
    if (status != AZP_OK) {
        /* Not ours: the early console still works, so say why on stdout. */
        printf("uart: cannot claim the console UART (status %d)\n", (int)status);
        return 1;
    }
    static const char banner[] = "uart: driver attached; console output now goes through this module\n";
    put_text(banner, sizeof banner - 1);
    char buffer[512];
    for (;;) {
        uint32_t length = 0;
        status = azd_console_read(buffer, sizeof buffer, UINT64_MAX, &length);
        if (status == AZP_OK)
            put_text(buffer, length);
    }
}
