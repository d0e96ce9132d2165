/* device-probe: a driver-shaped module for the booted device test (tests/unit/object/booted).
 * Its manifest grants exactly
 *   handle = device:uart:read+write     (the console UART's registers, published by the kernel)
 *   handle = irq:uart-irq:write         (its interrupt line)
 *   handle = endpoint:peer:call         (device-peer, for a call that carries a handle)
 * It takes the UART's transmit-empty interrupt as event bits, checks the line stays masked until
 * irq_ack, receives a typed line on the UART's receive interrupt (the boot test types it after
 * the prompt), runs a periodic timer, and hands an event to device-peer with call_with_handle.
 * Every case prints "device-probe: CASE ok" or "device-probe: FAIL CASE: detail". */
#include <azoth.h>
#define BOOTED_MODULE "device-probe"
#include "booted_check.h"
#include "booted_ipc.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>


static void timer(void)
{
    const char* name = "timer";
    azoth_handle_t event, timer;
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    CHECK(name, azoth_timer_create(&timer) == AZOTH_OK, "timer_create");
    CHECK(name, azoth_timer_set(timer, 1000000, 0) == AZOTH_E_INVALID_STATE, "timer_set before bind");
    CHECK(name, azoth_timer_bind(timer, event, 1) == AZOTH_OK, "timer_bind");
    CHECK(name, azoth_timer_set(timer, 1000000, 1) == AZOTH_E_INVALID_ARGUMENT, "a 1 ns period was accepted");
    uint64_t start = now_ns();
    CHECK(name, azoth_timer_set(timer, 2000000, 2000000) == AZOTH_OK, "timer_set");
    for (int i = 0; i < 5; ++i) {
        uint32_t bits = 0;
        azoth_status_t status = azoth_event_wait(event, 1, 1000000000ull, &bits);
        CHECK(name, status == AZOTH_OK && bits == 1, "signal %d: status %d bits %u", i, (int)status, bits);
    }
    uint64_t elapsed = now_ns() - start;
    CHECK(name, azoth_timer_cancel(timer) == AZOTH_OK, "timer_cancel");
    /* Five signals of a 2 ms period cannot come before 10 ms (tick granularity can only delay). */
    CHECK(name, elapsed >= 9000000ull, "5 periodic signals after only %llu us", (unsigned long long)(elapsed / 1000));
    uint32_t bits = 0;
    sleep_ms(10);
    (void)azoth_event_wait(event, 1, 0, &bits); /* a signal may have raced the cancel */
    sleep_ms(10);
    CHECK(name, azoth_event_wait(event, 1, 0, &bits) == AZOTH_E_TIMED_OUT, "signal after cancel");
    printf("device-probe: timer: 5 periodic 2 ms signals in %llu us\n", (unsigned long long)(elapsed / 1000));
    azoth_handle_close(timer);
    azoth_handle_close(event);
    ok(name);
}

/* The transmit interrupt enable of whichever model the UART is (learnt from the widths it takes:
 * a PL011 refuses byte accesses). */
struct uart {
    azoth_handle_t device;
    uint32_t offset, width, bit;
    uint64_t saved;
};

static azoth_status_t uart_open(struct uart* uart, azoth_handle_t device)
{
    uart->device = device;
    uint64_t value = 0;
    if (azoth_register_read(device, 1, 1, &value) == AZOTH_OK) { /* 16550: IER, THRE interrupt */
        uart->offset = 1, uart->width = 1, uart->bit = 0x02;
    } else {
        uart->offset = 0x38, uart->width = 4, uart->bit = 1u << 5; /* PL011: IMSC, TXIM */
    }
    return azoth_register_read(device, uart->offset, uart->width, &uart->saved);
}

static azoth_status_t uart_transmit_interrupt(struct uart* uart, int on)
{
    return azoth_register_write(uart->device, uart->offset, uart->width, on ? uart->bit : 0);
}

static void uart_irq(void)
{
    const char* name = "uart-irq";
    azoth_handle_t device, irq, event;
    CHECK(name, azoth_handle_find("uart", 4, &device) == AZOTH_OK, "no uart device handle");
    CHECK(name, azoth_handle_find("uart-irq", 8, &irq) == AZOTH_OK, "no uart irq handle");
    uint32_t rights = 0;
    CHECK(name, azoth_handle_rights(device, &rights) == AZOTH_OK && rights == (AZOTH_RIGHT_READ | AZOTH_RIGHT_WRITE),
          "device rights %#x", rights);
    uint64_t value = 0;
    CHECK(name, azoth_register_read(irq, 0, 1, &value) == AZOTH_E_BAD_HANDLE, "an irq used as a device");
    CHECK(name, azoth_irq_ack(irq) == AZOTH_E_INVALID_STATE, "ack before bind");
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    CHECK(name, azoth_irq_bind(irq, event, 2) == AZOTH_OK, "irq_bind");
    struct uart uart;
    CHECK(name, uart_open(&uart, device) == AZOTH_OK, "cannot read the UART's interrupt enable");
    CHECK(name, azoth_register_read(device, 0x10000, uart.width, &value) == AZOTH_E_FAULT, "a read outside the window");
    CHECK(name, azoth_register_read(device, 0, 3, &value) == AZOTH_E_INVALID_ARGUMENT, "a 3-byte access");
    uint32_t bits = 0;
    uint64_t enabled_at = now_ns();
    CHECK(name, uart_transmit_interrupt(&uart, 1) == AZOTH_OK, "enable");
    azoth_status_t first = azoth_event_wait(event, 2, 1000000000ull, &bits);
    uint64_t latency = now_ns() - enabled_at; /* device raises -> handler masks, signals -> this thread runs */
    /* The device still asks (transmitter empty) but the kernel masked the line: nothing more. */
    azoth_status_t storm = azoth_event_wait(event, 2, 20000000ull, &bits);
    uart_transmit_interrupt(&uart, 0); /* serviced */
    azoth_status_t acked = azoth_irq_ack(irq);
    azoth_status_t again = azoth_irq_ack(irq);
    /* The ack unmasked the line: the next interrupt arrives. */
    uart_transmit_interrupt(&uart, 1);
    azoth_status_t second = azoth_event_wait(event, 2, 1000000000ull, &bits);
    uart_transmit_interrupt(&uart, 0);
    azoth_irq_ack(irq);
    azoth_register_write(device, uart.offset, uart.width, uart.saved);
    CHECK(name, first == AZOTH_OK, "no interrupt within 1 s (status %d)", (int)first);
    CHECK(name, storm == AZOTH_E_TIMED_OUT, "a second interrupt while masked (status %d)", (int)storm);
    CHECK(name, acked == AZOTH_OK && again == AZOTH_E_INVALID_STATE, "ack %d, second ack %d", (int)acked, (int)again);
    CHECK(name, second == AZOTH_OK, "no interrupt after the ack (status %d)", (int)second);
    azoth_handle_close(event);
    printf("device-probe: uart-irq: interrupt enabled -> event wait returned in %llu us\n", (unsigned long long)(latency / 1000));
    ok(name);
}

/* The receive path on the Irq event: the prompt asks the boot test to type a line into the
 * serial port; every interrupt drains the receiver, then irq_ack lets the next one in. */
static int receive_ready(const struct uart* uart)
{
    uint64_t value = 0;
    if (uart->width == 1) /* 16550: LSR data ready */
        return azoth_register_read(uart->device, 5, 1, &value) == AZOTH_OK && (value & 0x01);
    return azoth_register_read(uart->device, 0x18, 4, &value) == AZOTH_OK && !(value & (1u << 4)); /* PL011: FR.RXFE */
}

static void uart_receive(void)
{
    const char* name = "uart-receive";
    azoth_handle_t device, irq, event;
    CHECK(name, azoth_handle_find("uart", 4, &device) == AZOTH_OK, "no uart device handle");
    CHECK(name, azoth_handle_find("uart-irq", 8, &irq) == AZOTH_OK, "no uart irq handle");
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    struct uart uart;
    CHECK(name, uart_open(&uart, device) == AZOTH_OK, "cannot read the UART's interrupt enable");
    CHECK(name, azoth_irq_bind(irq, event, 8) == AZOTH_OK, "irq_bind");
    uint64_t value = 0;
    while (receive_ready(&uart))
        azoth_register_read(device, 0, uart.width, &value);
    /* 16550 IER: received data available; PL011 IMSC: RXIM | RTIM. */
    CHECK(name, azoth_register_write(device, uart.offset, uart.width, uart.width == 1 ? 0x01 : 0x50) == AZOTH_OK, "enable");
    printf("device-probe: type a line\n");
    fflush(stdout);
    char line[64];
    size_t length = 0;
    int interrupts = 0, done = 0;
    azoth_status_t status = AZOTH_OK;
    while (!done) {
        /* Wait only when the receiver is empty: on an edge-triggered line (x86 ISA IRQ 4) a byte
         * that came while the line was masked may raise no new edge after the ack. */
        if (!receive_ready(&uart)) {
            uint32_t bits = 0;
            status = azoth_event_wait(event, 8, 30000000000ull, &bits);
            if (status != AZOTH_OK)
                break;
            ++interrupts;
        }
        while (receive_ready(&uart)) {
            azoth_register_read(device, 0, uart.width, &value);
            char c = (char)(value & 0xFF);
            if (c == '\r' || c == '\n')
                done = 1;
            else if (!done && length + 1 < sizeof line)
                line[length++] = c;
        }
        azoth_irq_ack(irq); /* E_INVALID_STATE when we drained without an interrupt: fine */
    }
    line[length] = 0;
    azoth_register_write(device, uart.offset, uart.width, uart.saved);
    azoth_handle_close(event);
    CHECK(name, status == AZOTH_OK, "no receive interrupt within 30 s (status %d, %d so far)", (int)status, interrupts);
    printf("device-probe: received \"%s\" in %d interrupts\n", line, interrupts);
    CHECK(name, strcmp(line, "azoth") == 0, "received \"%s\"", line);
    ok(name);
}

static azoth_handle_t peer;

static azoth_status_t give(azoth_handle_t handle, uint32_t mask, uint32_t mode, uint64_t op, uint64_t a, int64_t* result)
{
    uint64_t words[4] = { 0, 0, 0, 0 };
    azoth_status_t status = azoth_call_with_handle(peer, handle, mask, mode, op, a, 0, words);
    if (result)
        *result = (int64_t)words[0];
    return status;
}

/* The first hand-over (a copy with the read right), which also waits for device-peer's endpoint. */
struct copy_given {
    azoth_handle_t event;
    int64_t result;
};

static azoth_status_t give_copy(void* context)
{
    struct copy_given* copy = context;
    return give(copy->event, AZOTH_RIGHT_READ, 1, 1, 0, &copy->result);
}

static void handle_in_call(void)
{
    const char* name = "handle-in-call";
    azoth_handle_t event;
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event_create");
    struct copy_given copy = { event, 0 };
    azoth_status_t status = find_service("peer", &peer, give_copy, &copy, 5);
    int64_t result = copy.result;
    CHECK(name, status == AZOTH_OK && result == AZOTH_RIGHT_READ, "copy: status %d, peer saw rights %lld", (int)status, (long long)result);
    azoth_handle_t no_transfer;
    CHECK(name, azoth_handle_derive(event, AZOTH_RIGHT_READ | AZOTH_RIGHT_WRITE, &no_transfer) == AZOTH_OK, "derive");
    CHECK(name, give(no_transfer, AZOTH_RIGHT_READ, 1, 1, 0, NULL) == AZOTH_E_PERMISSION_DENIED, "a handle without transfer went");
    CHECK(name, give(event, AZOTH_RIGHT_WRITE, 0, 2, 4, &result) == AZOTH_OK && result == AZOTH_OK, "move: peer signal %lld", (long long)result);
    uint32_t bits = 0;
    CHECK(name, azoth_event_wait(no_transfer, 4, 0, &bits) == AZOTH_OK && bits == 4, "the peer's signal did not arrive");
    uint32_t rights = 0;
    CHECK(name, azoth_handle_rights(event, &rights) == AZOTH_E_BAD_HANDLE, "the moved handle is still here");
    ok(name);
}

int main(void)
{
    timer();
    uart_irq();
    uart_receive();
    handle_in_call();
    if (peer) { /* let device-peer end, so init can report the frame balance */
        uint64_t words[4];
        azoth_call(peer, 3, 0, 0, 0, words);
    }
    printf("device-probe: %s (%d failed)\n", failures ? "FAILED" : "all passed", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
