/* uart: the "Hello World" driver. It owns the console UART, prints every line the kernel and the
 * other modules write to the console, and hands what is typed on the UART to the kernel as console
 * input (stdin of the modules holding `console`).
 *
 * It holds exactly what its manifest grants: the UART's registers as a Device handle ("uart",
 * register_read/register_write), its interrupt line as an Irq handle ("uart-irq", irq_bind/irq_ack)
 * and the `serial-port` capability (console_attach, console_read, console_input, uart_kind). The
 * receive interrupt and "console output queued" are two bits of one Event, so the driver sleeps in
 * a single event_wait until there is work: no timer, no polling while idle. Transmitting polls the
 * transmitter's status per byte (bounded). uart_kind says which register model the UART follows (a
 * 16550 by port I/O on x86_64 or MMIO on riscv64 virt, a PL011 on aarch64 virt), so the same .wasm
 * drives the console UART on every arch.
 *
 * Ctrl-T typed on the console prints the driver's wake-up counts ("uart: status: ..."), which the
 * boot test uses to check that an idle driver does not wake. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <azoth.h>

/* Register indexes. 16550: data 0, interrupt enable 1, modem control 4, line status 5 with "data
 * ready" (bit 0) and "transmit holding empty" (bit 5). PL011 (32-bit registers, offset = 4 x index):
 * DR (0x00) 0, FR (0x18) 6 with RXFE (bit 4) and TXFF (bit 5), IMSC (0x38) 14, ICR (0x44) 17. */
enum { NS16550_DATA = 0, NS16550_INTERRUPT_ENABLE = 1, NS16550_MODEM_CONTROL = 4, NS16550_LINE_STATUS = 5,
    NS16550_DATA_READY = 0x01, NS16550_TRANSMIT_EMPTY = 0x20, NS16550_RECEIVE_INTERRUPT = 0x01, NS16550_OUT2 = 0x08 };
enum { PL011_DATA = 0, PL011_FLAGS = 6, PL011_INTERRUPT_MASK = 14, PL011_INTERRUPT_CLEAR = 17, PL011_RECEIVE_EMPTY = 0x10,
    PL011_TRANSMIT_FULL = 0x20, PL011_RECEIVE_INTERRUPTS = 0x50 /* RXIM | RTIM */ };

/* The two bits of the driver's event. */
enum { RECEIVE_BIT = 1u << 0, OUTPUT_BIT = 1u << 1 };

/* Ctrl-T: print the wake-up counts (not passed on as input). */
enum { STATUS_KEY = 0x14 };

/* Only when received bytes wait for room in the kernel's input queue (nothing signals that room
 * appeared) does the driver wake on a timeout, to retry. */
#define INPUT_RETRY_NS (10ull * 1000 * 1000)

static azoth_handle_t device, irq, events;
static uint32_t uart_kind = AZOTH_UART_NONE;

static struct {
    unsigned long long wakeups, output, receive, retries;
} stats;

static uint32_t register_width(void) { return uart_kind == AZOTH_UART_PL011 ? 4 : 1; }

static int read_register(uint32_t index, uint32_t* value)
{
    uint32_t width = register_width();
    uint64_t raw = 0;
    if (azoth_register_read(device, index * width, width, &raw) != AZOTH_OK)
        return 0;
    *value = (uint32_t)raw;
    return 1;
}

static azoth_status_t write_register(uint32_t index, uint32_t value)
{
    uint32_t width = register_width();
    return azoth_register_write(device, index * width, width, value);
}

/* True when the transmitter can take a byte now (or the status cannot be read: then write anyway). */
static int transmitter_ready(void)
{
    uint32_t status = 0;
    if (uart_kind == AZOTH_UART_PL011)
        return !read_register(PL011_FLAGS, &status) || !(status & PL011_TRANSMIT_FULL);
    return !read_register(NS16550_LINE_STATUS, &status) || (status & NS16550_TRANSMIT_EMPTY);
}

static void put_byte(uint8_t byte)
{
    /* Bounded wait, like the kernel's early console: a stuck UART drops the byte. */
    for (int spins = 0; spins < 100000 && !transmitter_ready(); ++spins) {
    }
    write_register(uart_kind == AZOTH_UART_PL011 ? PL011_DATA : NS16550_DATA, byte);
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
    uint32_t status = 0, value = 0;
    if (uart_kind == AZOTH_UART_PL011) {
        if (!read_register(PL011_FLAGS, &status) || (status & PL011_RECEIVE_EMPTY))
            return 0;
    } else if (!read_register(NS16550_LINE_STATUS, &status) || !(status & NS16550_DATA_READY)) {
        return 0;
    }
    if (!read_register(uart_kind == AZOTH_UART_PL011 ? PL011_DATA : NS16550_DATA, &value))
        return 0;
    *byte = (uint8_t)value;
    return 1;
}

static void print_status(void)
{
    char line[160];
    int length = snprintf(line, sizeof line, "\nuart: status: %llu wake-ups (%llu output, %llu receive, %llu input retries)\n",
                          stats.wakeups, stats.output, stats.receive, stats.retries);
    if (length > 0)
        put_text(line, (size_t)length < sizeof line ? (size_t)length : sizeof line - 1);
}

/* Console input, all of it in this one function: drains the receiver, echoes what was typed and turns
 * a typed CR into LF (the terminal sends CR for Enter) unless the console's echo is off (a reader
 * that edits its lines itself, azsh, turned it off: the bytes go raw), and hands the bytes to the kernel, which
 * queues them for the modules reading stdin. When the kernel's queue is full the bytes wait here
 * and the receiver is left alone until they are taken. True when the receiver is empty. */
static uint8_t pending[256];
static uint32_t pending_length;

static int receive(void)
{
    uint8_t byte;
    int drained = 0;
    /* Echo and CR -> LF unless the reader edits its lines itself (azoth.console_set_echo). */
    uint32_t echo = 1;
    (void)azoth_console_echo(&echo);
    for (;;) {
        if (pending_length == sizeof pending)
            break;
        if (!receive_byte(&byte)) {
            drained = 1;
            break;
        }
        if (byte == STATUS_KEY) {
            print_status();
            continue;
        }
        if (echo) {
            if (byte == '\r')
                byte = '\n';
            if (byte == '\n')
                put_byte('\r');
            put_byte(byte);
        }
        pending[pending_length++] = byte;
    }
    if (pending_length > 0 && azoth_console_input(pending, pending_length) == AZOTH_OK)
        pending_length = 0;
    return drained;
}

/* Console output: everything queued, a chunk at a time, looking at the receiver between chunks so
 * a long burst of output does not overrun the small receive FIFO. */
static void transmit(void)
{
    char buffer[512];
    uint32_t length = 0;
    while (azoth_console_read(buffer, sizeof buffer, 0, &length) == AZOTH_OK && length > 0) {
        put_text(buffer, length);
        (void)receive();
    }
}

static int claim(void)
{
    azoth_status_t status = azoth_uart_kind(&uart_kind);
    if (status == AZOTH_OK && uart_kind == AZOTH_UART_NONE) {
        /* Nothing to drive (the usermode port: the console is the host process's stdio). */
        printf("uart: this machine has no console UART a driver may claim; the kernel keeps the console\n");
        return -1;
    }
    if (status == AZOTH_OK && uart_kind != AZOTH_UART_NS16550 && uart_kind != AZOTH_UART_PL011) {
        printf("uart: the console UART's register model (%u) is not one this driver knows\n", (unsigned)uart_kind);
        return 0;
    }
    const char* step = "uart_kind";
    if (status == AZOTH_OK && (step = "the uart device handle", status = azoth_handle_find("uart", 4, &device)) == AZOTH_OK
        && (step = "the uart-irq handle", status = azoth_handle_find("uart-irq", 8, &irq)) == AZOTH_OK
        && (step = "event_create", status = azoth_event_create(&events)) == AZOTH_OK
        && (step = "irq_bind", status = azoth_irq_bind(irq, events, RECEIVE_BIT)) == AZOTH_OK)
        step = "console_attach", status = azoth_console_attach(events, OUTPUT_BIT);
    if (status != AZOTH_OK) {
        /* Not ours: the early console still works, so say why on stdout. */
        printf("uart: cannot claim the console UART (%s: status %d)\n", step, (int)status);
        return 0;
    }
    static const char banner[] = "uart: driver attached; console output now goes through this module\n";
    put_text(banner, sizeof banner - 1);
    /* What arrived before the attach the kernel has queued as input already (it polls the UART
     * while no driver owns it); what came since is input too: take it, then let the receiver
     * interrupt. (PL011: stale interrupt status cleared first, so a byte that comes after the
     * drain still raises its interrupt once unmasked.) */
    if (uart_kind == AZOTH_UART_PL011)
        write_register(PL011_INTERRUPT_CLEAR, 0x7FF);
    (void)receive();
    if (uart_kind == AZOTH_UART_PL011) {
        write_register(PL011_INTERRUPT_MASK, PL011_RECEIVE_INTERRUPTS);
    } else {
        uint32_t modem = 0;
        if (read_register(NS16550_MODEM_CONTROL, &modem)) /* OUT2 gates the IRQ on PC hardware */
            write_register(NS16550_MODEM_CONTROL, modem | NS16550_OUT2);
        write_register(NS16550_INTERRUPT_ENABLE, NS16550_RECEIVE_INTERRUPT);
    }
    return 1;
}

int main(void)
{
    int claimed = claim(); /* 1: attached; 0: could not claim it; -1: there is none (a clean exit) */
    if (claimed <= 0)
        return claimed < 0 ? 0 : 1;
    int receive_owed = 0; /* an interrupt came and is not acknowledged yet (the line is masked) */
    for (;;) {
        uint32_t bits = 0;
        azoth_status_t status = azoth_event_wait(events, RECEIVE_BIT | OUTPUT_BIT,
                                                 pending_length > 0 ? INPUT_RETRY_NS : AZOTH_WAIT_FOREVER, &bits);
        stats.wakeups++;
        if (status == AZOTH_E_TIMED_OUT)
            stats.retries++;
        else if (status != AZOTH_OK)
            return 1; /* killed while waiting, or the event is gone: the supervisor decides */
        if (bits & OUTPUT_BIT) {
            stats.output++;
            transmit();
        }
        if (bits & RECEIVE_BIT) {
            stats.receive++;
            receive_owed = 1;
        }
        /* Acknowledge only once the receiver is empty: a level-triggered line would fire again at
         * once otherwise. After the ack look again: on an edge-triggered line (x86 ISA IRQ 4) a
         * byte that came while the line was masked raises no new edge. */
        if (receive() && receive_owed) {
            azoth_irq_ack(irq);
            receive_owed = 0;
            (void)receive();
        }
    }
}
