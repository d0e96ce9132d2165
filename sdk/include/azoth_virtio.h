// The virtio 1.x modern PCI transport for driver modules (virtio 1.1, section 4.1; legacy virtio
// is out of scope): finds the virtio capabilities in the function's configuration space
// (pci_config_read), reaches the common configuration, notification, ISR and device-specific
// structures through the BARs they name (pci_bar_open + register_read / register_write), resets
// the device, negotiates features (VIRTIO_F_VERSION_1 required), and sets up split virtqueues
// (azoth_virtqueue.h) in DMA buffers (dma_create). docs/devices.md has the walk-through
// (modules/virtio-rng is the example driver).
//
// Interrupts: azoth_virtio_queue_irq routes a queue to an MSI-X vector delivered as event bits
// (pci_irq_open + irq_bind); where the machine has no MSI path (aarch64, riscv64 today) it answers
// AZOTH_E_UNSUPPORTED and the driver polls the used ring, sleeping in event_wait between polls.
#pragma once

#include <azoth.h>
#include <azoth_virtqueue.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AZOTH_VIRTIO_VENDOR = 0x1af4,
    // Status bits (2.1).
    AZOTH_VIRTIO_ACKNOWLEDGE = 1,
    AZOTH_VIRTIO_DRIVER = 2,
    AZOTH_VIRTIO_DRIVER_OK = 4,
    AZOTH_VIRTIO_FEATURES_OK = 8,
    AZOTH_VIRTIO_NEEDS_RESET = 64,
    AZOTH_VIRTIO_FAILED = 128,
    // Capability cfg_type values (4.1.4).
    AZOTH_VIRTIO_CAP_COMMON = 1,
    AZOTH_VIRTIO_CAP_NOTIFY = 2,
    AZOTH_VIRTIO_CAP_ISR = 3,
    AZOTH_VIRTIO_CAP_DEVICE = 4,
    // Common configuration registers (4.1.4.3).
    AZOTH_VIRTIO_DEVICE_FEATURE_SELECT = 0,
    AZOTH_VIRTIO_DEVICE_FEATURE = 4,
    AZOTH_VIRTIO_DRIVER_FEATURE_SELECT = 8,
    AZOTH_VIRTIO_DRIVER_FEATURE = 12,
    AZOTH_VIRTIO_MSIX_CONFIG = 16,
    AZOTH_VIRTIO_NUM_QUEUES = 18,
    AZOTH_VIRTIO_DEVICE_STATUS = 20,
    AZOTH_VIRTIO_CONFIG_GENERATION = 21,
    AZOTH_VIRTIO_QUEUE_SELECT = 22,
    AZOTH_VIRTIO_QUEUE_SIZE = 24,
    AZOTH_VIRTIO_QUEUE_MSIX_VECTOR = 26,
    AZOTH_VIRTIO_QUEUE_ENABLE = 28,
    AZOTH_VIRTIO_QUEUE_NOTIFY_OFF = 30,
    AZOTH_VIRTIO_QUEUE_DESC = 32,
    AZOTH_VIRTIO_QUEUE_DRIVER = 40,
    AZOTH_VIRTIO_QUEUE_DEVICE = 48,
    AZOTH_VIRTIO_COMMON_LENGTH = 56,
};

#define AZOTH_VIRTIO_F_VERSION_1 (1ull << 32)

// One virtio structure: where it lives (a BAR's Device handle, an offset) and how long it is.
typedef struct {
    azoth_handle_t bar;
    uint32_t offset;
    uint32_t length;
    int present;
} azoth_virtio_window_t;

typedef struct {
    azoth_handle_t pci;
    azoth_handle_t bars[6]; // opened on first use; 0 = not yet
    azoth_virtio_window_t common, notify, isr, device;
    uint32_t notify_multiplier;
    uint64_t features; // negotiated
} azoth_virtio_t;

// One queue of a device, in a DMA buffer the driver maps at a page-aligned offset of its memory.
typedef struct {
    azoth_virtq_t ring;
    uint16_t index;
    uint32_t notify_offset; // in the notification structure
    azoth_handle_t dma;
} azoth_virtio_queue_t;

static inline azoth_status_t azoth_virtio_bar(azoth_virtio_t* device, uint32_t index, azoth_handle_t* bar_out)
{
    if (index >= 6)
        return AZOTH_E_INVALID_ARGUMENT;
    if (device->bars[index] == 0) {
        azoth_status_t status = azoth_pci_bar_open(device->pci, index, &device->bars[index]);
        if (status != AZOTH_OK)
            return status;
    }
    *bar_out = device->bars[index];
    return AZOTH_OK;
}

// Finds the virtio structures of the PciDevice `pci` (a handle with read and write) and opens
// their BARs. AZOTH_E_NOT_FOUND when the function has no common configuration, notification or
// ISR structure (not a modern virtio device), AZOTH_E_INVALID_STATE when a structure does not
// fit in its BAR.
static inline azoth_status_t azoth_virtio_open(azoth_virtio_t* device, azoth_handle_t pci)
{
    memset(device, 0, sizeof *device);
    device->pci = pci;
    uint32_t value = 0;
    azoth_status_t status = azoth_pci_config_read(pci, 0x06, 2, &value); // status register
    if (status != AZOTH_OK)
        return status;
    if ((value & 0x10) == 0)
        return AZOTH_E_NOT_FOUND; // no capability list
    uint32_t at = 0;
    if ((status = azoth_pci_config_read(pci, 0x34, 1, &at)) != AZOTH_OK)
        return status;
    at &= 0xFC;
    for (int steps = 0; steps < 48 && at >= 0x40; ++steps) {
        uint32_t header = 0, bar = 0, offset = 0, length = 0;
        if ((status = azoth_pci_config_read(pci, at, 4, &header)) != AZOTH_OK)
            return status;
        if ((header & 0xFF) == 0x09) { // vendor-specific: a virtio structure
            uint32_t type = header >> 24;
            azoth_virtio_window_t* window = type == AZOTH_VIRTIO_CAP_COMMON ? &device->common
                : type == AZOTH_VIRTIO_CAP_NOTIFY                          ? &device->notify
                : type == AZOTH_VIRTIO_CAP_ISR                             ? &device->isr
                : type == AZOTH_VIRTIO_CAP_DEVICE                          ? &device->device
                                                                           : 0;
            if (window && !window->present) { // the first of each type is the one to use (4.1.4)
                if ((status = azoth_pci_config_read(pci, at + 4, 1, &bar)) != AZOTH_OK
                    || (status = azoth_pci_config_read(pci, at + 8, 4, &offset)) != AZOTH_OK
                    || (status = azoth_pci_config_read(pci, at + 12, 4, &length)) != AZOTH_OK)
                    return status;
                if (type == AZOTH_VIRTIO_CAP_NOTIFY
                    && (status = azoth_pci_config_read(pci, at + 16, 4, &device->notify_multiplier)) != AZOTH_OK)
                    return status;
                azoth_pci_bar_t facts;
                if (bar >= 6 || azoth_pci_bar_info(pci, bar, &facts) != AZOTH_OK || (uint64_t)offset + length > facts.size)
                    return AZOTH_E_INVALID_STATE;
                if ((status = azoth_virtio_bar(device, bar, &window->bar)) != AZOTH_OK)
                    return status;
                window->offset = offset;
                window->length = length;
                window->present = 1;
            }
        }
        at = (header >> 8) & 0xFC;
    }
    if (!device->common.present || !device->notify.present || !device->isr.present)
        return AZOTH_E_NOT_FOUND;
    if (device->common.length < AZOTH_VIRTIO_COMMON_LENGTH)
        return AZOTH_E_INVALID_STATE;
    return AZOTH_OK;
}

static inline azoth_status_t azoth_virtio_common_read(azoth_virtio_t* device, uint32_t offset, uint32_t width, uint64_t* value)
{
    return azoth_register_read(device->common.bar, device->common.offset + offset, width, value);
}

static inline azoth_status_t azoth_virtio_common_write(azoth_virtio_t* device, uint32_t offset, uint32_t width, uint64_t value)
{
    return azoth_register_write(device->common.bar, device->common.offset + offset, width, value);
}

// A 64-bit queue address as two 32-bit writes (4.1.3.1: the driver may use 32-bit accesses).
static inline azoth_status_t azoth_virtio_common_write64(azoth_virtio_t* device, uint32_t offset, uint64_t value)
{
    azoth_status_t status = azoth_virtio_common_write(device, offset, 4, (uint32_t)value);
    return status != AZOTH_OK ? status : azoth_virtio_common_write(device, offset + 4, 4, value >> 32);
}

static inline azoth_status_t azoth_virtio_status(azoth_virtio_t* device, uint8_t* status_out)
{
    uint64_t value = 0;
    azoth_status_t status = azoth_virtio_common_read(device, AZOTH_VIRTIO_DEVICE_STATUS, 1, &value);
    *status_out = (uint8_t)value;
    return status;
}

// Writes 0 to device_status and waits until the device reads back 0 (4.1.4.3.2).
static inline azoth_status_t azoth_virtio_reset(azoth_virtio_t* device)
{
    azoth_status_t status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DEVICE_STATUS, 1, 0);
    for (int polls = 0; status == AZOTH_OK && polls < 100000; ++polls) {
        uint8_t now = 0xFF;
        if ((status = azoth_virtio_status(device, &now)) == AZOTH_OK && now == 0)
            return AZOTH_OK;
    }
    return status != AZOTH_OK ? status : AZOTH_E_TIMED_OUT;
}

static inline azoth_status_t azoth_virtio_add_status(azoth_virtio_t* device, uint8_t bits)
{
    uint8_t now = 0;
    azoth_status_t status = azoth_virtio_status(device, &now);
    return status != AZOTH_OK ? status : azoth_virtio_common_write(device, AZOTH_VIRTIO_DEVICE_STATUS, 1, (uint8_t)(now | bits));
}

// The initialisation sequence up to FEATURES_OK (3.1.1): reset, ACKNOWLEDGE, DRIVER, read the
// device's features, accept those of `wanted` it offers plus VIRTIO_F_VERSION_1, FEATURES_OK and
// check the device kept it. AZOTH_E_UNSUPPORTED (status FAILED set) for a device without
// VERSION_1 or one that refuses the features.
static inline azoth_status_t azoth_virtio_negotiate(azoth_virtio_t* device, uint64_t wanted)
{
    azoth_status_t status;
    uint64_t low = 0, high = 0;
    if ((status = azoth_virtio_reset(device)) != AZOTH_OK || (status = azoth_virtio_add_status(device, AZOTH_VIRTIO_ACKNOWLEDGE)) != AZOTH_OK
        || (status = azoth_virtio_add_status(device, AZOTH_VIRTIO_DRIVER)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DEVICE_FEATURE_SELECT, 4, 0)) != AZOTH_OK
        || (status = azoth_virtio_common_read(device, AZOTH_VIRTIO_DEVICE_FEATURE, 4, &low)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DEVICE_FEATURE_SELECT, 4, 1)) != AZOTH_OK
        || (status = azoth_virtio_common_read(device, AZOTH_VIRTIO_DEVICE_FEATURE, 4, &high)) != AZOTH_OK)
        return status;
    uint64_t offered = (high << 32) | (low & 0xFFFFFFFFu);
    if (!(offered & AZOTH_VIRTIO_F_VERSION_1)) {
        azoth_virtio_add_status(device, AZOTH_VIRTIO_FAILED);
        return AZOTH_E_UNSUPPORTED;
    }
    uint64_t accepted = offered & (wanted | AZOTH_VIRTIO_F_VERSION_1);
    uint8_t now = 0;
    if ((status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DRIVER_FEATURE_SELECT, 4, 0)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DRIVER_FEATURE, 4, (uint32_t)accepted)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DRIVER_FEATURE_SELECT, 4, 1)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_DRIVER_FEATURE, 4, accepted >> 32)) != AZOTH_OK
        || (status = azoth_virtio_add_status(device, AZOTH_VIRTIO_FEATURES_OK)) != AZOTH_OK
        || (status = azoth_virtio_status(device, &now)) != AZOTH_OK)
        return status;
    if (!(now & AZOTH_VIRTIO_FEATURES_OK)) {
        azoth_virtio_add_status(device, AZOTH_VIRTIO_FAILED);
        return AZOTH_E_UNSUPPORTED;
    }
    device->features = accepted;
    return AZOTH_OK;
}

// Sets up queue `index` with at most `max_size` entries (the device's size if smaller) in a new
// DMA buffer mapped at `map_offset` of this module's memory (page aligned, room for
// azoth_virtq_bytes rounded up to pages, e.g. a static array aligned to 4096), and enables it.
// AZOTH_E_NOT_FOUND for a queue the device does not have (size 0).
static inline azoth_status_t azoth_virtio_queue_setup(azoth_virtio_t* device, azoth_virtio_queue_t* queue, uint16_t index,
    uint16_t max_size, uint32_t map_offset)
{
    azoth_status_t status;
    uint64_t size = 0, notify_off = 0;
    if ((status = azoth_virtio_common_write(device, AZOTH_VIRTIO_QUEUE_SELECT, 2, index)) != AZOTH_OK
        || (status = azoth_virtio_common_read(device, AZOTH_VIRTIO_QUEUE_SIZE, 2, &size)) != AZOTH_OK)
        return status;
    if (size == 0)
        return AZOTH_E_NOT_FOUND;
    uint16_t entries = max_size < size ? max_size : (uint16_t)size;
    while (entries & (entries - 1)) // split queues may be any size up to the device's; ours are powers of two
        entries &= (uint16_t)(entries - 1);
    if (!azoth_virtq_size_ok(entries))
        return AZOTH_E_INVALID_ARGUMENT;
    uint32_t bytes = azoth_virtq_bytes(entries);
    azoth_handle_t region = 0;
    uint64_t address = 0;
    if ((status = azoth_dma_create(device->pci, bytes, &queue->dma)) != AZOTH_OK)
        return status;
    if ((status = azoth_dma_region(queue->dma, &region)) != AZOTH_OK || (status = azoth_region_map(region, map_offset, 1)) != AZOTH_OK
        || (status = azoth_dma_address(queue->dma, &address)) != AZOTH_OK)
        return status;
    if (azoth_virtq_init(&queue->ring, entries, (void*)(uintptr_t)map_offset, (bytes + 4095u) & ~4095u, address) != AZOTH_VIRTQ_OK)
        return AZOTH_E_INVALID_ARGUMENT;
    queue->index = index;
    if ((status = azoth_virtio_common_write(device, AZOTH_VIRTIO_QUEUE_SIZE, 2, entries)) != AZOTH_OK
        || (status = azoth_virtio_common_write64(device, AZOTH_VIRTIO_QUEUE_DESC, queue->ring.desc_address)) != AZOTH_OK
        || (status = azoth_virtio_common_write64(device, AZOTH_VIRTIO_QUEUE_DRIVER, queue->ring.avail_address)) != AZOTH_OK
        || (status = azoth_virtio_common_write64(device, AZOTH_VIRTIO_QUEUE_DEVICE, queue->ring.used_address)) != AZOTH_OK
        || (status = azoth_virtio_common_read(device, AZOTH_VIRTIO_QUEUE_NOTIFY_OFF, 2, &notify_off)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_QUEUE_ENABLE, 2, 1)) != AZOTH_OK)
        return status;
    uint64_t at = notify_off * (uint64_t)device->notify_multiplier;
    if (at + 2 > device->notify.length)
        return AZOTH_E_INVALID_STATE;
    queue->notify_offset = (uint32_t)at;
    return AZOTH_OK;
}

// Routes queue `queue`'s interrupts to MSI-X vector `vector`, delivered as `bits` of `event`
// (an Irq handle goes to *irq_out: irq_ack it after taking the used entries). Call between
// queue setup and DRIVER_OK. AZOTH_E_UNSUPPORTED without an MSI path on this machine (poll
// instead), AZOTH_E_INVALID_STATE when the device refuses the vector (reads back NO_VECTOR).
static inline azoth_status_t azoth_virtio_queue_irq(azoth_virtio_t* device, const azoth_virtio_queue_t* queue, uint16_t vector,
    azoth_handle_t event, uint32_t bits, azoth_handle_t* irq_out)
{
    azoth_handle_t irq = 0;
    uint64_t chosen = 0;
    azoth_status_t status = azoth_pci_irq_open(device->pci, vector, &irq);
    if (status != AZOTH_OK)
        return status;
    if ((status = azoth_irq_bind(irq, event, bits)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_QUEUE_SELECT, 2, queue->index)) != AZOTH_OK
        || (status = azoth_virtio_common_write(device, AZOTH_VIRTIO_QUEUE_MSIX_VECTOR, 2, vector)) != AZOTH_OK
        || (status = azoth_virtio_common_read(device, AZOTH_VIRTIO_QUEUE_MSIX_VECTOR, 2, &chosen)) != AZOTH_OK) {
        azoth_handle_close(irq);
        return status;
    }
    if (chosen != vector) {
        azoth_handle_close(irq);
        return AZOTH_E_INVALID_STATE;
    }
    *irq_out = irq;
    return AZOTH_OK;
}

// After the queues: the device may run (DRIVER_OK).
static inline azoth_status_t azoth_virtio_driver_ok(azoth_virtio_t* device) { return azoth_virtio_add_status(device, AZOTH_VIRTIO_DRIVER_OK); }

// Tells the device that queue `queue` has new available entries (4.1.4.4: write the queue index).
static inline azoth_status_t azoth_virtio_notify(azoth_virtio_t* device, const azoth_virtio_queue_t* queue)
{
    if (azoth_virtq_notify_suppressed(&queue->ring))
        return AZOTH_OK;
    return azoth_register_write(device->notify.bar, device->notify.offset + queue->notify_offset, 2, queue->index);
}

// The ISR status byte (reading it clears it; bit 0: a queue interrupt, bit 1: configuration change).
static inline azoth_status_t azoth_virtio_isr(azoth_virtio_t* device, uint8_t* isr_out)
{
    uint64_t value = 0;
    azoth_status_t status = azoth_register_read(device->isr.bar, device->isr.offset, 1, &value);
    *isr_out = (uint8_t)value;
    return status;
}

// One read of the device-specific configuration (AZOTH_E_NOT_FOUND when the device has none,
// AZOTH_E_FAULT past its length).
static inline azoth_status_t azoth_virtio_device_read(azoth_virtio_t* device, uint32_t offset, uint32_t width, uint64_t* value)
{
    if (!device->device.present)
        return AZOTH_E_NOT_FOUND;
    if ((uint64_t)offset + width > device->device.length)
        return AZOTH_E_FAULT;
    return azoth_register_read(device->device.bar, device->device.offset + offset, width, value);
}

#ifdef __cplusplus
}
#endif
