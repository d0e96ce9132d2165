/* virtio-rng: the entropy driver. Finds the modern virtio entropy device (1af4:1044), sets it up
 * through the virtio library (one request queue in a DMA buffer), and feeds the bytes it returns
 * into the kernel's ChaCha20 pool through azoth.entropy_add (capability entropy-source):
 *   virtio-rng [--once]
 * 256 bytes in four requests at start, then 32 bytes every 10 s (--once: exit after the first 256).
 * The queue's interrupt is MSI-X vector 0 as an Irq bound to an event where the machine has an MSI
 * path (x86_64); elsewhere (pci_irq_open answers E_UNSUPPORTED) the driver polls the used ring,
 * sleeping 1 ms in event_wait between polls.
 * A device that answers with something impossible (a used entry naming no request, more bytes than
 * were offered) is reset and the driver exits 1 (init restarts it). */
#include <azoth.h>
#include <azoth_virtio.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { QUEUE_SIZE = 16, REQUEST = 64, INITIAL_REQUESTS = 4, RESEED = 32, POLLS = 2000 };

/* Pages the DMA buffers are mapped over (region_map replaces them). */
static unsigned char ring_pages[4096] __attribute__((aligned(4096)));
static unsigned char data_page[4096] __attribute__((aligned(4096)));

static azoth_virtio_t device;
static azoth_virtio_queue_t queue;
static uint64_t data_address;
static azoth_handle_t sleeper;
static azoth_handle_t irq;      /* 0: polled */
static uint32_t interrupts;     /* event wake-ups by the queue's interrupt */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int fail(const char* what, azoth_status_t status)
{
    printf("virtio-rng: FAIL %s (%s)\n", what, azoth_status_name(status));
    return 1;
}

/* One request for `length` bytes; 0 with *got set, else an error status (or -1: bad device). */
static int request(uint32_t length, uint32_t* got)
{
    azoth_virtq_buffer_t buffer = { data_address, length, 1 };
    uint16_t head = 0;
    if (azoth_virtq_add(&queue.ring, &buffer, 1, &head) != AZOTH_VIRTQ_OK)
        return AZOTH_E_EXHAUSTED;
    azoth_status_t status = azoth_virtio_notify(&device, &queue);
    if (status != AZOTH_OK)
        return status;
    for (int poll = 0; poll < POLLS; ++poll) {
        uint16_t done = 0;
        int taken = azoth_virtq_take_used(&queue.ring, &done, got);
        if (taken == AZOTH_VIRTQ_OK)
            return done == head ? 0 : -1;
        if (taken == AZOTH_VIRTQ_DEVICE_ERROR)
            return -1;
        uint32_t bits = 0;
        if (irq) {
            /* Sleep until the queue's interrupt (or 100 ms); the Irq stays masked until acked. */
            azoth_event_wait(sleeper, 1, 100000000, &bits);
            if (bits) {
                ++interrupts;
                azoth_irq_ack(irq);
            }
        } else {
            azoth_event_wait(sleeper, 1, 1000000, &bits); /* nobody signals it: a 1 ms sleep */
        }
    }
    return AZOTH_E_TIMED_OUT;
}

static int deliver(uint32_t length, uint32_t* delivered)
{
    uint32_t got = 0;
    int result = request(length, &got);
    if (result == -1) {
        azoth_virtio_reset(&device);
        printf("virtio-rng: FAIL the device answered with an impossible used entry; device reset\n");
        return 1;
    }
    if (result != 0)
        return fail("request", result);
    if (got == 0)
        return 0; /* the device had nothing this time */
    azoth_status_t status = azoth_entropy_add(data_page, got);
    if (status != AZOTH_OK)
        return fail("entropy_add", status);
    *delivered += got;
    return 0;
}

int main(int argc, char** argv)
{
    int once = argc > 1 && strcmp(argv[1], "--once") == 0;
    azoth_pci_info_t info;
    azoth_handle_t pci = 0;
    for (uint32_t i = 0; azoth_pci_list(i, &info) == AZOTH_OK; ++i) {
        if (info.vendor == AZOTH_VIRTIO_VENDOR && info.device == 0x1044) {
            azoth_status_t status = azoth_pci_open(info.address, &pci);
            if (status != AZOTH_OK)
                return fail("pci_open", status);
            break;
        }
    }
    if (!pci) {
        printf("virtio-rng: no virtio entropy device on this machine\n");
        return 0;
    }
    azoth_status_t status;
    if ((status = azoth_virtio_open(&device, pci)) != AZOTH_OK)
        return fail("virtio_open", status);
    if ((status = azoth_virtio_negotiate(&device, 0)) != AZOTH_OK)
        return fail("feature negotiation", status);
    if ((status = azoth_virtio_queue_setup(&device, &queue, 0, QUEUE_SIZE, (uint32_t)(uintptr_t)ring_pages)) != AZOTH_OK)
        return fail("queue setup", status);
    azoth_handle_t data = 0, region = 0;
    if ((status = azoth_dma_create(pci, sizeof data_page, &data)) != AZOTH_OK || (status = azoth_dma_region(data, &region)) != AZOTH_OK
        || (status = azoth_region_map(region, (uint32_t)(uintptr_t)data_page, 1)) != AZOTH_OK
        || (status = azoth_dma_address(data, &data_address)) != AZOTH_OK)
        return fail("data buffer", status);
    if ((status = azoth_event_create(&sleeper)) != AZOTH_OK)
        return fail("event", status);
    status = azoth_virtio_queue_irq(&device, &queue, 0, sleeper, 1, &irq);
    if (status != AZOTH_OK && status != AZOTH_E_UNSUPPORTED)
        return fail("queue interrupt", status);
    if ((status = azoth_virtio_driver_ok(&device)) != AZOTH_OK)
        return fail("driver ok", status);

    uint64_t started = now_us();
    uint32_t delivered = 0;
    for (int i = 0; i < INITIAL_REQUESTS; ++i) {
        if (deliver(REQUEST, &delivered) != 0)
            return 1;
    }
    if (irq) {
        /* Every used entry came with the queue's message; the requests may all have been answered
         * before the driver had to sleep, so take the interrupt now (the Irq stays masked, and
         * the event set, from the first message until acked). */
        uint32_t bits = 0;
        azoth_event_wait(sleeper, 1, interrupts ? 0 : 1000000000ull, &bits);
        if (bits) {
            ++interrupts;
            azoth_irq_ack(irq);
        }
    }
    char how[48];
    if (irq)
        snprintf(how, sizeof how, "msi-x, %u interrupts", (unsigned)interrupts);
    else
        snprintf(how, sizeof how, "polled");
    printf("virtio-rng: %u bytes from the device into the kernel pool (%d requests of %d, queue size %u, %s, %llu us)\n",
        (unsigned)delivered, INITIAL_REQUESTS, REQUEST, (unsigned)queue.ring.size, how, (unsigned long long)(now_us() - started));
    fflush(stdout);
    if (once)
        return delivered == INITIAL_REQUESTS * REQUEST ? 0 : 1;
    for (;;) {
        uint32_t bits = 0;
        azoth_event_wait(sleeper, 1, 10ull * 1000000000ull, &bits);
        if (deliver(RESEED, &delivered) != 0)
            return 1;
    }
}
