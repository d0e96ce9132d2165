/* pci-irq: MSI-X vectors as Irq objects against a driver that never acknowledges (an interrupt
 * storm from the driver's side), on the virtio-rng (alone in this image). Where the machine has no
 * MSI path (aarch64, riscv64) pci_irq_open must answer E_UNSUPPORTED and nothing else is checked.
 * Else: hostile pci_irq_open arguments are refused; the queue's first completion signals the
 * event once; with the Irq left unacknowledged, seven more completions (seven more messages from
 * the device) signal nothing (the entry stays masked, the messages wait in the pending bits);
 * irq_ack delivers the pending message; a closed Irq frees its vector for the next open. */
#define BOOTED_MODULE "pci-irq"
#include "booted_check.h"

#include <azoth.h>
#include <azoth_virtio.h>

static unsigned char ring_pages[4096] __attribute__((aligned(4096)));
static unsigned char data_pages[8 * 4096] __attribute__((aligned(4096)));

static azoth_virtio_t device;
static azoth_virtio_queue_t queue;
static azoth_handle_t pci, event, irq;
static uint64_t data_address;

static int post(uint32_t slot)
{
    azoth_virtq_buffer_t buffer = { data_address + 4096u * slot, 16, 1 };
    uint16_t head;
    return azoth_virtq_add(&queue.ring, &buffer, 1, &head) == AZOTH_VIRTQ_OK && azoth_virtio_notify(&device, &queue) == AZOTH_OK;
}

/* Takes `count` used entries, polling (1 ms naps on a second event nobody signals). */
static int take(uint32_t count)
{
    azoth_handle_t nap;
    if (azoth_event_create(&nap) != AZOTH_OK)
        return 0;
    uint32_t taken = 0;
    for (int polls = 0; polls < 5000 && taken < count; ++polls) {
        uint16_t head;
        uint32_t length;
        int result = azoth_virtq_take_used(&queue.ring, &head, &length);
        if (result == AZOTH_VIRTQ_OK) {
            ++taken;
            continue;
        }
        if (result != AZOTH_VIRTQ_EMPTY)
            break;
        uint32_t bits;
        azoth_event_wait(nap, 1, 1000000, &bits);
    }
    azoth_handle_close(nap);
    return taken == count;
}

static void setup(void)
{
    const char* name = "setup";
    azoth_pci_info_t info;
    for (uint32_t i = 0; azoth_pci_list(i, &info) == AZOTH_OK; ++i) {
        if (info.vendor == AZOTH_VIRTIO_VENDOR && info.device == 0x1044)
            CHECK(name, azoth_pci_open(info.address, &pci) == AZOTH_OK, "pci_open");
    }
    CHECK(name, pci != 0, "no virtio-rng");
    CHECK(name, azoth_virtio_open(&device, pci) == AZOTH_OK, "virtio_open");
    CHECK(name, azoth_virtio_negotiate(&device, 0) == AZOTH_OK, "negotiate");
    CHECK(name, azoth_virtio_queue_setup(&device, &queue, 0, 8, (uint32_t)(uintptr_t)ring_pages) == AZOTH_OK, "queue");
    CHECK(name, queue.ring.size == 8, "queue size %u, wanted 8", (unsigned)queue.ring.size);
    azoth_handle_t data, region;
    CHECK(name, azoth_dma_create(pci, sizeof data_pages, &data) == AZOTH_OK && azoth_dma_region(data, &region) == AZOTH_OK
            && azoth_region_map(region, (uint32_t)(uintptr_t)data_pages, 1) == AZOTH_OK && azoth_dma_address(data, &data_address) == AZOTH_OK,
        "data buffer");
    CHECK(name, azoth_event_create(&event) == AZOTH_OK, "event");
    ok(name);
}

static void refusals(void)
{
    const char* name = "refusals";
    azoth_handle_t other = 0, reader = 0;
    CHECK(name, azoth_pci_irq_open(pci, 32, &other) == AZOTH_E_FAULT, "vector 32");
    CHECK(name, azoth_pci_irq_open(pci, 0xFFFFFFFFu, &other) == AZOTH_E_FAULT, "vector 2^32 - 1");
    CHECK(name, azoth_pci_irq_open(pci, 0, (azoth_handle_t*)0xFFFFFFF0u) == AZOTH_E_FAULT, "an output outside memory");
    CHECK(name, azoth_handle_derive(pci, AZOTH_RIGHT_READ, &reader) == AZOTH_OK, "derive");
    CHECK(name, azoth_pci_irq_open(reader, 0, &other) == AZOTH_E_PERMISSION_DENIED, "through a read-only handle");
    CHECK(name, azoth_pci_irq_open(event, 0, &other) == AZOTH_E_BAD_HANDLE, "an event as a PciDevice");
    azoth_handle_close(reader);
    ok(name);
}

static void never_acknowledged(void)
{
    const char* name = "never-acknowledged";
    azoth_handle_t second = 0;
    CHECK(name, azoth_virtio_queue_irq(&device, &queue, 0, event, 1, &irq) == AZOTH_OK, "queue irq");
    CHECK(name, azoth_pci_irq_open(pci, 0, &second) == AZOTH_E_BUSY, "a second Irq for vector 0");
    CHECK(name, azoth_virtio_driver_ok(&device) == AZOTH_OK, "driver ok");
    uint32_t bits = 0;
    CHECK(name, post(0), "first request");
    CHECK(name, azoth_event_wait(event, 1, 2000000000ull, &bits) == AZOTH_OK && bits == 1, "no interrupt for the first completion");
    CHECK(name, take(1), "first completion");
    /* Not acknowledged: seven more completions, seven more messages. */
    for (uint32_t slot = 1; slot < 8; ++slot)
        CHECK(name, post(slot), "request %u", slot);
    CHECK(name, take(7), "seven completions");
    azoth_status_t waited = azoth_event_wait(event, 1, 200000000ull, &bits);
    CHECK(name, waited == AZOTH_E_TIMED_OUT, "an unacknowledged Irq signalled again (%s)", azoth_status_name(waited));
    printf("pci-irq: 7 messages while unacknowledged, 0 deliveries\n");
    /* The ack unmasks the entry: the pending message arrives. */
    CHECK(name, azoth_irq_ack(irq) == AZOTH_OK, "ack");
    CHECK(name, azoth_event_wait(event, 1, 2000000000ull, &bits) == AZOTH_OK, "the pending message did not arrive after the ack");
    CHECK(name, azoth_irq_ack(irq) == AZOTH_OK, "second ack");
    CHECK(name, azoth_irq_ack(irq) == AZOTH_E_INVALID_STATE, "an ack with nothing pending");
    ok(name);
}

static void vector_reuse(void)
{
    const char* name = "vector-freed-with-its-irq";
    azoth_handle_t again = 0;
    CHECK(name, azoth_handle_close(irq) == AZOTH_OK, "close");
    CHECK(name, azoth_pci_irq_open(pci, 0, &again) == AZOTH_OK, "reopen vector 0");
    azoth_handle_close(again);
    ok(name);
}

int main(void)
{
    setup();
    if (failures == 0) {
        azoth_handle_t probe = 0;
        azoth_status_t status = azoth_pci_irq_open(pci, 0, &probe);
        if (status == AZOTH_E_UNSUPPORTED) {
            printf("pci-irq: no MSI path on this machine (E_UNSUPPORTED)\n");
        } else {
            if (status == AZOTH_OK)
                azoth_handle_close(probe);
            refusals();
            never_acknowledged();
            vector_reuse();
        }
    }
    azoth_virtio_reset(&device);
    printf("pci-irq: %s (%d failed)\n", failures ? "FAILED" : "all passed", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
