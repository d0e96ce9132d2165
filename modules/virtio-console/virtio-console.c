/* virtio-console: the virtio console driver (virtio 1.1, section 5.3) with multiport, the
 * transport of named host channels (the sensor feeds of issue #21 come through such ports).
 * Finds the modern virtio console function (1af4:1043), negotiates VIRTIO_CONSOLE_F_MULTIPORT,
 * sets up the control queues and the queues of up to MAX_PORTS ports in DMA buffers, and follows
 * the control protocol: DEVICE_READY, then for each port the device adds PORT_READY, its name
 * (PORT_NAME) and the guest side opened (PORT_OPEN); host connects and disconnects are reported.
 *
 * What it does with a port's data today: a port named "org.azoth.echo" is the loopback port the
 * device tests use (tools/qemu-run --port): every byte received goes back to the host. Other ports
 * are announced and their input counted; handing ports to client modules (an endpoint that opens
 * a port by name and returns a channel) is not built yet (docs/devices.md).
 *
 * No PCI interrupts are used yet: the driver polls its used rings every POLL_MS in event_wait. A
 * device that writes something impossible into a used ring, or a control message that is too
 * short or names a port out of range, is reported; an impossible used entry resets the device
 * and the driver exits 1 (init restarts it). */
#include <azoth.h>
#include <azoth_virtio.h>

#include <stdio.h>
#include <string.h>

enum {
    DEVICE_ID = 0x1043,
    F_MULTIPORT = 1,
    MAX_PORTS = 4,
    QUEUE_SIZE = 16,
    BUFFERS = 4,         /* receive buffers posted per receive queue */
    BUFFER_BYTES = 512,
    POLL_MS = 5,
    /* control events (5.3.6.2) */
    DEVICE_READY = 0, DEVICE_ADD = 1, DEVICE_REMOVE = 2, PORT_READY = 3, CONSOLE_PORT = 4,
    RESIZE = 5, PORT_OPEN = 6, PORT_NAME = 7,
    CONTROL_HEADER = 8,
};

/* Queue q's ring page and its receive/transmit buffers (queue q owns slots q*2*BUFFERS..). */
enum { QUEUES = 2 + 2 * MAX_PORTS, SLOTS_PER_QUEUE = 2 * BUFFERS };
static unsigned char ring_pages[QUEUES][4096] __attribute__((aligned(4096)));
static unsigned char data[QUEUES * SLOTS_PER_QUEUE * BUFFER_BYTES] __attribute__((aligned(4096)));

static azoth_virtio_t device;
static azoth_virtio_queue_t queues[QUEUES];
static int queue_ready[QUEUES];
static uint64_t data_address;
static azoth_handle_t sleeper;
static uint16_t tx_slot_busy[QUEUES]; /* bit i: transmit slot i of that queue is posted */

typedef struct {
    int added, open_host, named;
    char name[64];
    unsigned long long received;
} port_state;
static port_state ports[MAX_PORTS];

static int receive_queue(uint32_t port) { return port == 0 ? 0 : (int)(2 + 2 * port); }
static int transmit_queue(uint32_t port) { return receive_queue(port) + 1; }
enum { CONTROL_RX = 2, CONTROL_TX = 3 };

static unsigned char* slot_bytes(int queue, int slot) { return data + ((size_t)queue * SLOTS_PER_QUEUE + (size_t)slot) * BUFFER_BYTES; }
static uint64_t slot_address(int queue, int slot) { return data_address + ((uint64_t)queue * SLOTS_PER_QUEUE + (uint64_t)slot) * BUFFER_BYTES; }

static int fail(const char* what, azoth_status_t status)
{
    printf("virtio-console: FAIL %s (%s)\n", what, azoth_status_name(status));
    return 1;
}

/* Posts receive slot `slot` of queue `queue` (the descriptor head is the slot: posted in order). */
static int post_receive(int queue, int slot)
{
    azoth_virtq_buffer_t buffer = { slot_address(queue, slot), BUFFER_BYTES, 1 };
    uint16_t head = 0;
    if (azoth_virtq_add(&queues[queue].ring, &buffer, 1, &head) != AZOTH_VIRTQ_OK)
        return 0;
    return 1;
}

/* Which receive slot a used buffer is: the slot whose address the descriptor holds. */
static int slot_of(int queue, uint16_t head)
{
    uint64_t address = queues[queue].ring.desc[head].addr;
    uint64_t first = slot_address(queue, 0);
    if (address < first || (address - first) % BUFFER_BYTES != 0 || (address - first) / BUFFER_BYTES >= SLOTS_PER_QUEUE)
        return -1;
    return (int)((address - first) / BUFFER_BYTES);
}

/* Reclaims finished transmissions of a transmit queue. 0 when the device wrote garbage. */
static int reclaim(int queue)
{
    for (;;) {
        uint16_t head = 0;
        uint32_t length = 0;
        int taken = azoth_virtq_take_used(&queues[queue].ring, &head, &length);
        if (taken == AZOTH_VIRTQ_EMPTY)
            return 1;
        if (taken != AZOTH_VIRTQ_OK)
            return 0;
        int slot = slot_of(queue, head);
        if (slot < BUFFERS || slot >= SLOTS_PER_QUEUE)
            return 0;
        tx_slot_busy[queue] &= (uint16_t)~(1u << slot);
    }
}

/* Sends `length` bytes on a transmit queue (slots BUFFERS.. are its transmit buffers). 1 when
 * posted, 0 when every transmit slot is busy (the caller retries after a poll). */
static int transmit(int queue, const void* bytes, uint32_t length)
{
    if (length == 0 || length > BUFFER_BYTES)
        return 0;
    for (int slot = BUFFERS; slot < SLOTS_PER_QUEUE; ++slot) {
        if (tx_slot_busy[queue] & (1u << slot))
            continue;
        memcpy(slot_bytes(queue, slot), bytes, length);
        azoth_virtq_buffer_t buffer = { slot_address(queue, slot), length, 0 };
        uint16_t head = 0;
        if (azoth_virtq_add(&queues[queue].ring, &buffer, 1, &head) != AZOTH_VIRTQ_OK)
            return 0;
        tx_slot_busy[queue] |= (uint16_t)(1u << slot);
        azoth_virtio_notify(&device, &queues[queue]);
        return 1;
    }
    return 0;
}

static void control(uint32_t id, uint16_t event, uint16_t value)
{
    unsigned char message[CONTROL_HEADER];
    memcpy(message, &id, 4);
    memcpy(message + 4, &event, 2);
    memcpy(message + 6, &value, 2);
    for (int attempt = 0; attempt < 100 && !transmit(CONTROL_TX, message, sizeof message); ++attempt) {
        uint32_t bits = 0;
        azoth_event_wait(sleeper, 1, 1000000, &bits);
        reclaim(CONTROL_TX);
    }
}

/* One control message from the device. */
static void handle_control(const unsigned char* message, uint32_t length)
{
    if (length < CONTROL_HEADER) {
        printf("virtio-console: a control message of %u bytes (too short), dropped\n", (unsigned)length);
        return;
    }
    uint32_t id;
    uint16_t event, value;
    memcpy(&id, message, 4);
    memcpy(&event, message + 4, 2);
    memcpy(&value, message + 6, 2);
    if (event != RESIZE && id >= MAX_PORTS) {
        printf("virtio-console: control event %u for port %u (this driver takes %d ports), dropped\n", (unsigned)event, (unsigned)id,
            MAX_PORTS);
        if (event == DEVICE_ADD)
            control(id, PORT_READY, 0);
        return;
    }
    port_state* port = &ports[id < MAX_PORTS ? id : 0];
    switch (event) {
    case DEVICE_ADD: {
        int rx = receive_queue(id);
        int posted = 1;
        for (int slot = 0; slot < BUFFERS && !port->added; ++slot)
            posted &= post_receive(rx, slot);
        if (posted && !port->added)
            azoth_virtio_notify(&device, &queues[rx]);
        port->added = posted;
        control(id, PORT_READY, (uint16_t)posted);
        break;
    }
    case DEVICE_REMOVE:
        printf("virtio-console: port %u (%s) removed\n", (unsigned)id, port->name);
        port->open_host = 0;
        break;
    case PORT_NAME: {
        uint32_t name_length = length - CONTROL_HEADER;
        if (name_length >= sizeof port->name)
            name_length = sizeof port->name - 1;
        memcpy(port->name, message + CONTROL_HEADER, name_length);
        port->name[name_length] = 0;
        name_length = (uint32_t)strlen(port->name); /* the device may end the name with a NUL */
        for (uint32_t i = 0; i < name_length; ++i) {
            if (port->name[i] < 0x20 || port->name[i] > 0x7e)
                port->name[i] = '?';
        }
        port->named = 1;
        printf("virtio-console: port %u is \"%s\"\n", (unsigned)id, port->name);
        control(id, PORT_OPEN, 1); /* the guest side is open: data may flow */
        break;
    }
    case PORT_OPEN:
        port->open_host = value != 0;
        printf("virtio-console: port %u (%s): host %s\n", (unsigned)id, port->name, value ? "connected" : "disconnected");
        break;
    case CONSOLE_PORT:
        printf("virtio-console: port %u is a console port\n", (unsigned)id);
        break;
    case RESIZE:
        break;
    default:
        printf("virtio-console: unknown control event %u for port %u, dropped\n", (unsigned)event, (unsigned)id);
        break;
    }
    fflush(stdout);
}

/* Data received on port `id`. */
static void handle_data(uint32_t id, const unsigned char* bytes, uint32_t length)
{
    port_state* port = &ports[id];
    port->received += length;
    if (strcmp(port->name, "org.azoth.echo") == 0) {
        int tx = transmit_queue(id);
        for (int attempt = 0; attempt < 1000 && !transmit(tx, bytes, length); ++attempt) {
            uint32_t bits = 0;
            azoth_event_wait(sleeper, 1, 1000000, &bits);
            reclaim(tx);
        }
    }
}

/* Takes every used buffer of receive queue `queue` and posts it again. 0: the device wrote garbage. */
static int drain(int queue, uint32_t port)
{
    int any = 0;
    for (;;) {
        uint16_t head = 0;
        uint32_t length = 0;
        int taken = azoth_virtq_take_used(&queues[queue].ring, &head, &length);
        if (taken == AZOTH_VIRTQ_EMPTY)
            break;
        int slot = taken == AZOTH_VIRTQ_OK ? slot_of(queue, head) : -1;
        if (slot < 0 || slot >= BUFFERS)
            return 0;
        if (queue == CONTROL_RX)
            handle_control(slot_bytes(queue, slot), length);
        else
            handle_data(port, slot_bytes(queue, slot), length);
        if (!post_receive(queue, slot))
            return 0;
        any = 1;
    }
    if (any)
        azoth_virtio_notify(&device, &queues[queue]);
    return 1;
}

int main(void)
{
    azoth_pci_info_t info;
    azoth_handle_t pci = 0;
    for (uint32_t i = 0; azoth_pci_list(i, &info) == AZOTH_OK; ++i) {
        if (info.vendor == AZOTH_VIRTIO_VENDOR && info.device == DEVICE_ID) {
            azoth_status_t status = azoth_pci_open(info.address, &pci);
            if (status != AZOTH_OK)
                return fail("pci_open", status);
            break;
        }
    }
    if (!pci) {
        printf("virtio-console: no virtio console device on this machine\n");
        return 0;
    }
    azoth_status_t status;
    if ((status = azoth_virtio_open(&device, pci)) != AZOTH_OK)
        return fail("virtio_open", status);
    if ((status = azoth_virtio_negotiate(&device, 1ull << F_MULTIPORT)) != AZOTH_OK)
        return fail("feature negotiation", status);
    if (!(device.features & (1ull << F_MULTIPORT))) {
        printf("virtio-console: the device has no multiport feature: one unnamed port, not driven\n");
        azoth_virtio_reset(&device);
        return 0;
    }
    uint64_t max_ports = 0;
    if ((status = azoth_virtio_device_read(&device, 4, 4, &max_ports)) != AZOTH_OK)
        return fail("max_nr_ports", status);
    uint32_t port_count = max_ports < MAX_PORTS ? (uint32_t)max_ports : MAX_PORTS;
    for (int q = 0; q < QUEUES; ++q) {
        int for_port = q == CONTROL_RX || q == CONTROL_TX || q < 2 || (uint32_t)((q - 2) / 2) < port_count;
        if (!for_port)
            continue;
        status = azoth_virtio_queue_setup(&device, &queues[q], (uint16_t)q, QUEUE_SIZE, (uint32_t)(uintptr_t)ring_pages[q]);
        if (status == AZOTH_E_NOT_FOUND)
            continue;
        if (status != AZOTH_OK)
            return fail("queue setup", status);
        queue_ready[q] = 1;
    }
    if (!queue_ready[CONTROL_RX] || !queue_ready[CONTROL_TX]) {
        printf("virtio-console: FAIL the device has no control queues\n");
        return 1;
    }
    azoth_handle_t buffer = 0, region = 0;
    if ((status = azoth_dma_create(pci, sizeof data, &buffer)) != AZOTH_OK || (status = azoth_dma_region(buffer, &region)) != AZOTH_OK
        || (status = azoth_region_map(region, (uint32_t)(uintptr_t)data, 1)) != AZOTH_OK
        || (status = azoth_dma_address(buffer, &data_address)) != AZOTH_OK)
        return fail("data buffers", status);
    if ((status = azoth_event_create(&sleeper)) != AZOTH_OK)
        return fail("event", status);
    for (int slot = 0; slot < BUFFERS; ++slot) {
        if (!post_receive(CONTROL_RX, slot))
            return fail("control receive buffers", AZOTH_E_EXHAUSTED);
    }
    if ((status = azoth_virtio_driver_ok(&device)) != AZOTH_OK)
        return fail("driver ok", status);
    azoth_virtio_notify(&device, &queues[CONTROL_RX]);
    printf("virtio-console: ready, %u of %llu ports, polling every %d ms\n", (unsigned)port_count, (unsigned long long)max_ports, POLL_MS);
    fflush(stdout);
    control(0, DEVICE_READY, 1);

    for (;;) {
        int healthy = drain(CONTROL_RX, 0) && reclaim(CONTROL_TX);
        for (uint32_t port = 0; healthy && port < port_count; ++port) {
            if (!ports[port].added)
                continue;
            healthy = drain(receive_queue(port), port) && reclaim(transmit_queue(port));
        }
        if (!healthy) {
            azoth_virtio_reset(&device);
            printf("virtio-console: FAIL the device wrote an impossible used entry; device reset\n");
            return 1;
        }
        uint32_t bits = 0;
        azoth_event_wait(sleeper, 1, (uint64_t)POLL_MS * 1000000u, &bits);
    }
}
