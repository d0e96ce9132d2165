/* uart: the "Hello World" driver. It owns the console UART (a 16550: eight byte registers)
 * through the `serial-port` capability, and prints every line the kernel and the other modules
 * write to the console. Register access goes through azoth_device, so the same .wasm drives the
 * UART whether the arch reaches it by port I/O (x86_64) or MMIO (riscv64 virt). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "azoth_process.h"

enum { REG_DATA = 0, REG_LINE_STATUS = 5, TRANSMIT_EMPTY = 0x20 };

static unsigned long long bytes_written;

static void put_byte(uint8_t byte)
{
    /* Bounded wait, like the kernel's early console: a stuck UART drops the byte. */
    for (int spins = 0; spins < 100000; ++spins) {
        uint8_t status = 0;
        if (azd_uart_read(REG_LINE_STATUS, &status) != AZP_OK || (status & TRANSMIT_EMPTY))
            break;
    }
    azd_uart_write(REG_DATA, byte);
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
    int32_t status = azd_console_attach();
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
