/* uart: the "Hello World" driver. It owns the console UART through the `serial-port` capability,
 * prints every line the kernel and the other modules write to the console, and hands what is
 * typed on the UART to the kernel as console input (stdin of the modules holding `console`). Register access
 * goes through the azoth imports (console_attach, uart_read, ...), and the capability says which register model the UART follows
 * (uart_kind: a 16550 by port I/O on x86_64 or MMIO on riscv64 virt, a PL011 on aarch64 virt),
 * so the same .wasm drives the console UART on every arch. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <azoth.h>

/* 16550: data register 0, interrupt enable 1, line status register 5 with "data ready" (bit 0)
 * and "transmit holding empty" (bit 5).
 * PL011: register indexes are offsets / 4: DR (0x00) is 0, FR (0x18) is 6 with RXFE (bit 4) and
 * TXFF (bit 5), IMSC (0x38) is 14. */
enum { NS16550_DATA = 0, NS16550_INTERRUPT_ENABLE = 1, NS16550_LINE_STATUS = 5, NS16550_DATA_READY = 0x01,
    NS16550_TRANSMIT_EMPTY = 0x20 };
enum { PL011_DATA = 0, PL011_FLAGS = 6, PL011_INTERRUPT_MASK = 14, PL011_RECEIVE_EMPTY = 0x10, PL011_TRANSMIT_FULL = 0x20 };

/* How long the loop waits for console output before it looks at the receiver again. */
#define RECEIVE_POLL_NS (10ull * 1000 * 1000)

static unsigned long long bytes_written;
static uint32_t uart_kind = AZOTH_UART_NONE;

/* True when the transmitter can take a byte now (or the status cannot be read: then write anyway). */
static int transmitter_ready(void)
{
    uint8_t status = 0;
    if (uart_kind == AZOTH_UART_PL011)
        return azoth_uart_read(PL011_FLAGS, &status) != AZOTH_OK || !(status & PL011_TRANSMIT_FULL);
    return azoth_uart_read(NS16550_LINE_STATUS, &status) != AZOTH_OK || (status & NS16550_TRANSMIT_EMPTY);
}

static void put_byte(uint8_t byte)
{
    /* Bounded wait, like the kernel's early console: a stuck UART drops the byte. */
    for (int spins = 0; spins < 100000 && !transmitter_ready(); ++spins) {
    }
    azoth_uart_write(uart_kind == AZOTH_UART_PL011 ? PL011_DATA : NS16550_DATA, byte);
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

/* One received byte, if the receiver holds one. */
static int receive_byte(uint8_t* byte)
{
    uint8_t status = 0;
    if (uart_kind == AZOTH_UART_PL011) {
        if (azoth_uart_read(PL011_FLAGS, &status) != AZOTH_OK || (status & PL011_RECEIVE_EMPTY))
            return 0;
        return azoth_uart_read(PL011_DATA, byte) == AZOTH_OK;
    }
    if (azoth_uart_read(NS16550_LINE_STATUS, &status) != AZOTH_OK || !(status & NS16550_DATA_READY))
        return 0;
    return azoth_uart_read(NS16550_DATA, byte) == AZOTH_OK;
}

/* Console input, all of it in this one function (an IRQ-driven driver would call it from its
 * interrupt event instead of the polling loop): drains the receiver, echoes what was typed, turns
 * a typed CR into LF (the terminal sends CR for Enter) and hands the bytes to the kernel, which
 * queues them for the modules reading stdin. When the kernel's queue is full the bytes wait here
 * and the receiver is left alone until they are taken. */
static uint8_t pending[256];
static uint32_t pending_length;

static void receive(void)
{
    uint8_t byte;
    while (pending_length < sizeof pending && receive_byte(&byte)) {
        if (byte == '\r')
            byte = '\n';
        if (byte == '\n')
            put_byte('\r');
        put_byte(byte);
        pending[pending_length++] = byte;
    }
    if (pending_length > 0 && azoth_console_input(pending, pending_length) == AZOTH_OK)
        pending_length = 0;
}

int main(void)
{
    int32_t status = azoth_uart_kind(&uart_kind);
    if (status == AZOTH_OK && uart_kind != AZOTH_UART_NS16550 && uart_kind != AZOTH_UART_PL011) {
        printf("uart: the console UART's register model (%u) is not one this driver knows\n", (unsigned)uart_kind);
        return 1;
    }
    if (status == AZOTH_OK)
        status = azoth_console_attach();
    if (status != AZOTH_OK) {
        /* Not ours: the early console still works, so say why on stdout. */
        printf("uart: cannot claim the console UART (status %d)\n", (int)status);
        return 1;
    }
    /* The receiver is polled (receive() below): mask its interrupt, so the kernel's own handler
     * (if the arch installed one for its early console) does not take the bytes first. */
    if (uart_kind == AZOTH_UART_PL011)
        azoth_uart_write(PL011_INTERRUPT_MASK, 0);
    else
        azoth_uart_write(NS16550_INTERRUPT_ENABLE, 0);
    static const char banner[] = "uart: driver attached; console output now goes through this module\n";
    put_text(banner, sizeof banner - 1);
    char buffer[512];
    for (;;) {
        uint32_t length = 0;
        status = azoth_console_read(buffer, sizeof buffer, RECEIVE_POLL_NS, &length);
        if (status == AZOTH_OK)
            put_text(buffer, length);
        receive();
    }
}
