/* virtio-blk: the block driver (issue #19, first slice). Finds the data disk, a modern virtio
 * block function (1af4:1042) whose serial (GET_ID) is "azoth-data" (tools/qemu-run --disk), sets
 * it up through the virtio library (one request queue in a DMA buffer) and drives it with
 * requests as 3-descriptor chains: a 16-byte header the device reads, the data, a status byte it
 * writes. Several requests are in flight at once; the device may finish them in any order.
 *   virtio-blk            print the disk's capacity and serial, then wait (the FS service's
 *                         endpoint comes with it: issue #19 item 3/4)
 *   virtio-blk --check    the self-check (a diagnostic for the booted test): read sector 0 and the
 *                         last sector, write a pattern over a 1 MiB scratch range just before the
 *                         last sector, flush, read it back and compare, and report MB/s for the
 *                         sequential 1 MiB write and read with REQUESTS requests in flight
 * Other virtio-blk functions (the boot ESP on x86_64 and aarch64) are only asked their serial:
 * no read or write is issued to them, and they are handed back reset.
 * A device error status, a used length other than the chain's writable bytes, or an impossible
 * used entry resets the device and the driver exits 1. */
#include <azoth.h>
#include <azoth_virtio.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
    BLK_DEVICE = 0x1042,
    T_IN = 0,
    T_OUT = 1,
    T_FLUSH = 4,
    T_GET_ID = 8,
    S_OK = 0,
    S_IOERR = 1,
    S_UNSUPP = 2,
    ID_BYTES = 20,
    QUEUE_SIZE = 64,
    REQUESTS = 16,            /* in flight at most (3 descriptors each) */
    CHUNK = 64 * 1024,        /* bytes per request in the check's sequential transfers */
    DATA_BYTES = REQUESTS * CHUNK, /* 1 MiB: the check's scratch range */
    SECTOR = 512,
    WAIT_POLLS = 20000,
};

#define F_RO (1ull << 5)
#define F_BLK_SIZE (1ull << 6)
#define F_FLUSH (1ull << 9)
static const char WANTED_SERIAL[] = "azoth-data";

/* Pages the DMA buffers are mapped over (region_map replaces them). */
static unsigned char ring_pages[4096] __attribute__((aligned(4096)));
static unsigned char meta_page[4096] __attribute__((aligned(4096))); /* headers, status bytes, id */
static unsigned char data_pages[DATA_BYTES] __attribute__((aligned(4096)));

/* Layout of meta_page: slot i's header at 32 i (16 bytes), its status byte at 32 i + 16; the
 * GET_ID answer at ID_AT. */
enum { ID_AT = 2048 };

typedef struct {
    int busy;
    uint32_t type;
    uint32_t data_length;
    uint64_t sector;
} slot_t;

static azoth_virtio_t device;
static azoth_virtio_queue_t queue;
static azoth_handle_t meta_dma, data_dma;
static uint64_t meta_address, data_address;
static azoth_handle_t sleeper;
static azoth_handle_t irq; /* 0: polled */
static slot_t slots[REQUESTS];
static int16_t head_slot[QUEUE_SIZE]; /* descriptor head -> slot, -1 none */
static uint32_t in_flight;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int fail(const char* what, azoth_status_t status)
{
    printf("virtio-blk: FAIL %s (%s)\n", what, azoth_status_name(status));
    return 1;
}

/* The device did something impossible or reported an error: reset it, and the driver exits 1. */
static int device_fault(const char* what)
{
    azoth_virtio_reset(&device);
    printf("virtio-blk: FAIL %s; device reset\n", what);
    return 1;
}

static void put_le32(unsigned char* at, uint32_t value)
{
    for (int i = 0; i < 4; ++i)
        at[i] = (unsigned char)(value >> (8 * i));
}

static void put_le64(unsigned char* at, uint64_t value)
{
    for (int i = 0; i < 8; ++i)
        at[i] = (unsigned char)(value >> (8 * i));
}

/* Posts request `type` on slot `s` (free) for `length` bytes at data offset `offset` (length 0:
 * no data descriptor). The caller notifies. 0, or 1 after printing why. */
static int post(int s, uint32_t type, uint64_t sector, uint64_t address, uint32_t length)
{
    unsigned char* header = meta_page + 32 * s;
    put_le32(header, type);
    put_le32(header + 4, 0);
    put_le64(header + 8, sector);
    header[16] = 0xFF; /* the device must overwrite it */
    azoth_virtq_buffer_t buffers[3];
    uint32_t count = 0;
    buffers[count++] = (azoth_virtq_buffer_t){ meta_address + 32u * s, 16, 0 };
    if (length)
        buffers[count++] = (azoth_virtq_buffer_t){ address, length, type == T_IN || type == T_GET_ID };
    buffers[count++] = (azoth_virtq_buffer_t){ meta_address + 32u * s + 16, 1, 1 };
    uint16_t head = 0;
    int added = azoth_virtq_add(&queue.ring, buffers, count, &head);
    if (added != AZOTH_VIRTQ_OK || head >= QUEUE_SIZE) {
        printf("virtio-blk: FAIL queue refused a request (%d)\n", added);
        return 1;
    }
    slots[s] = (slot_t){ 1, type, length, sector };
    head_slot[head] = (int16_t)s;
    ++in_flight;
    return 0;
}

static int notify(void)
{
    azoth_status_t status = azoth_virtio_notify(&device, &queue);
    return status == AZOTH_OK ? 0 : fail("notify", status);
}

/* Takes one finished request (waiting for it), checks it and frees its slot. 0 with *slot_out and
 * *status_out (the device's status byte), 1 on a device fault or time-out. */
static int complete_one(int* slot_out, uint8_t* status_out)
{
    for (int poll = 0; poll < WAIT_POLLS; ++poll) {
        uint16_t head = 0;
        uint32_t used = 0;
        int taken = azoth_virtq_take_used(&queue.ring, &head, &used);
        if (taken == AZOTH_VIRTQ_DEVICE_ERROR)
            return device_fault("the device answered with an impossible used entry");
        if (taken == AZOTH_VIRTQ_OK) {
            int s = head < QUEUE_SIZE ? head_slot[head] : -1;
            if (s < 0 || !slots[s].busy)
                return device_fault("a used entry for no request of this driver");
            head_slot[head] = -1;
            slot_t done = slots[s];
            slots[s].busy = 0;
            --in_flight;
            /* The device writes the data it read (IN, GET_ID) and the status byte: the used length
             * is all of the chain's writable bytes, else the data is not all there (2.6.8.2). */
            uint32_t expected = (done.type == T_IN || done.type == T_GET_ID ? done.data_length : 0) + 1;
            if (used != expected) {
                char what[96];
                snprintf(what, sizeof what, "used length %u for a request of type %u that makes the device write %u bytes",
                    (unsigned)used, (unsigned)done.type, (unsigned)expected);
                return device_fault(what);
            }
            uint8_t status = meta_page[32 * s + 16];
            if (status != S_OK && status != S_IOERR && status != S_UNSUPP) {
                char what[64];
                snprintf(what, sizeof what, "status byte 0x%02x (not a virtio-blk status)", (unsigned)status);
                return device_fault(what);
            }
            *slot_out = s;
            *status_out = status;
            return 0;
        }
        uint32_t bits = 0;
        if (irq) {
            azoth_event_wait(sleeper, 1, 100000000, &bits);
            if (bits)
                azoth_irq_ack(irq);
        } else {
            azoth_event_wait(sleeper, 1, 1000000, &bits); /* nobody signals it: a 1 ms sleep */
        }
    }
    return device_fault("a request timed out");
}

/* Completes a request that must have succeeded. */
static int complete_ok(void)
{
    int s = 0;
    uint8_t status = 0;
    if (complete_one(&s, &status) != 0)
        return 1;
    if (status != S_OK) {
        char what[96];
        snprintf(what, sizeof what, "the device answered %s to a request of type %u at sector %llu",
            status == S_IOERR ? "IOERR" : "UNSUPP", (unsigned)slots[s].type, (unsigned long long)slots[s].sector);
        return device_fault(what);
    }
    return 0;
}

/* One request, waited for: 0 when it succeeded. */
static int single(uint32_t type, uint64_t sector, uint32_t offset, uint32_t length)
{
    if (post(0, type, sector, data_address + offset, length) != 0 || notify() != 0)
        return 1;
    return complete_ok();
}

/* `bytes` (a multiple of CHUNK, at most DATA_BYTES) from or to sector `first`, up to REQUESTS
 * requests of CHUNK in flight, refilled as the device finishes them (in any order). */
static int sequential(uint32_t type, uint64_t first, uint32_t bytes)
{
    uint32_t chunks = bytes / CHUNK, posted = 0, finished = 0;
    while (finished < chunks) {
        int any = 0;
        for (int s = 0; s < REQUESTS && posted < chunks; ++s) {
            if (slots[s].busy)
                continue;
            if (post(s, type, first + (uint64_t)posted * (CHUNK / SECTOR), data_address + posted * CHUNK, CHUNK) != 0)
                return 1;
            ++posted;
            any = 1;
        }
        if (any && notify() != 0)
            return 1;
        if (complete_ok() != 0)
            return 1;
        ++finished;
    }
    return 0;
}

/* The pattern the check writes: word w of sector s is 0xA2070000_00000000 ^ (s << 16) ^ w.
 * tests/devices/virtio-blk-boot-test.py computes the same. */
static uint64_t pattern_word(uint64_t sector, uint32_t word) { return 0xA207000000000000ull ^ (sector << 16) ^ word; }

/* FNV-1a 64 of a sector, for the log (the test compares it with the host's). */
static uint64_t fnv(const unsigned char* bytes, uint32_t length)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < length; ++i)
        hash = (hash ^ bytes[i]) * 0x100000001b3ull;
    return hash;
}

static void print_sector(const char* which, uint64_t sector)
{
    printf("virtio-blk: %s sector %llu fnv1a64 %016llx starts", which, (unsigned long long)sector, (unsigned long long)fnv(data_pages, SECTOR));
    for (int i = 0; i < 16; ++i)
        printf(" %02x", data_pages[i]);
    printf("\n");
}

static double mb_per_s(uint32_t bytes, uint64_t us) { return us ? (double)bytes / (double)us : 0.0; }

static int check(uint64_t capacity)
{
    /* The scratch range: DATA_BYTES just before the last sector (which keeps the host's pattern). */
    uint64_t scratch_sectors = DATA_BYTES / SECTOR;
    if (capacity < 2 * scratch_sectors + 2) {
        printf("virtio-blk: FAIL --check needs a disk of at least %llu sectors (this one has %llu)\n",
            (unsigned long long)(2 * scratch_sectors + 2), (unsigned long long)capacity);
        return 1;
    }
    if (device.features & F_RO) {
        printf("virtio-blk: FAIL --check writes, and the data disk is read-only (VIRTIO_BLK_F_RO)\n");
        return 1;
    }
    uint64_t scratch = capacity - 1 - scratch_sectors;
    memset(data_pages, 0, SECTOR);
    if (single(T_IN, 0, 0, SECTOR) != 0)
        return 1;
    print_sector("first", 0);
    memset(data_pages, 0, SECTOR);
    if (single(T_IN, capacity - 1, 0, SECTOR) != 0)
        return 1;
    print_sector("last", capacity - 1);

    for (uint64_t s = 0; s < scratch_sectors; ++s)
        for (uint32_t w = 0; w < SECTOR / 8; ++w)
            put_le64(data_pages + s * SECTOR + w * 8, pattern_word(scratch + s, w));
    uint64_t started = now_us();
    if (sequential(T_OUT, scratch, DATA_BYTES) != 0)
        return 1;
    uint64_t wrote_us = now_us() - started;
    int flushed = (device.features & F_FLUSH) != 0;
    uint64_t flush_us = 0;
    if (flushed) {
        started = now_us();
        if (single(T_FLUSH, 0, 0, 0) != 0)
            return 1;
        flush_us = now_us() - started;
    }
    memset(data_pages, 0, DATA_BYTES);
    started = now_us();
    if (sequential(T_IN, scratch, DATA_BYTES) != 0)
        return 1;
    uint64_t read_us = now_us() - started;
    for (uint64_t s = 0; s < scratch_sectors; ++s) {
        for (uint32_t w = 0; w < SECTOR / 8; ++w) {
            uint64_t got = 0;
            for (int i = 7; i >= 0; --i)
                got = got << 8 | data_pages[s * SECTOR + w * 8 + i];
            if (got != pattern_word(scratch + s, w)) {
                printf("virtio-blk: FAIL read back %016llx at sector %llu word %u, wrote %016llx\n", (unsigned long long)got,
                    (unsigned long long)(scratch + s), (unsigned)w, (unsigned long long)pattern_word(scratch + s, w));
                return 1;
            }
        }
    }
    printf("virtio-blk: scratch sectors %llu-%llu written, %s, read back equal\n", (unsigned long long)scratch,
        (unsigned long long)(scratch + scratch_sectors - 1), flushed ? "flushed" : "no flush (device offers none)");
    printf("virtio-blk: check ok: capacity %llu sectors, serial %s, sequential 1 MiB write %.2f MB/s (%llu us), read %.2f MB/s "
           "(%llu us), flush %llu us, %d requests of %d KiB in flight, %s\n",
        (unsigned long long)capacity, WANTED_SERIAL, mb_per_s(DATA_BYTES, wrote_us), (unsigned long long)wrote_us,
        mb_per_s(DATA_BYTES, read_us), (unsigned long long)read_us, (unsigned long long)flush_us, REQUESTS, CHUNK / 1024,
        irq ? "msi-x" : "polled");
    return 0;
}

/* Unmaps and closes what a probe of a function that is not the data disk made, resetting it. */
static void let_go(azoth_handle_t pci)
{
    azoth_virtio_reset(&device);
    azoth_region_unmap((uint32_t)(uintptr_t)ring_pages);
    azoth_region_unmap((uint32_t)(uintptr_t)meta_page);
    if (queue.dma)
        azoth_handle_close(queue.dma);
    if (meta_dma)
        azoth_handle_close(meta_dma);
    if (irq)
        azoth_handle_close(irq);
    for (int i = 0; i < 6; ++i)
        if (device.bars[i])
            azoth_handle_close(device.bars[i]);
    azoth_handle_close(pci);
    memset(&queue, 0, sizeof queue);
    meta_dma = 0;
    irq = 0;
}

static azoth_status_t map_dma(azoth_handle_t pci, void* at, uint32_t bytes, azoth_handle_t* dma, uint64_t* address)
{
    azoth_handle_t region = 0;
    azoth_status_t status;
    if ((status = azoth_dma_create(pci, bytes, dma)) != AZOTH_OK || (status = azoth_dma_region(*dma, &region)) != AZOTH_OK
        || (status = azoth_region_map(region, (uint32_t)(uintptr_t)at, 1)) != AZOTH_OK
        || (status = azoth_dma_address(*dma, address)) != AZOTH_OK)
        return status;
    return AZOTH_OK;
}

/* Sets up `pci` as a block device and asks its serial. 1: it is the data disk (left running);
 * 0: it is not (let go); -1: an error (printed). */
static int probe(azoth_handle_t pci)
{
    azoth_status_t status;
    if ((status = azoth_virtio_open(&device, pci)) != AZOTH_OK)
        return (fail("virtio_open", status), -1);
    if ((status = azoth_virtio_negotiate(&device, F_FLUSH | F_BLK_SIZE | F_RO)) != AZOTH_OK)
        return (fail("feature negotiation", status), -1);
    if ((status = azoth_virtio_queue_setup(&device, &queue, 0, QUEUE_SIZE, (uint32_t)(uintptr_t)ring_pages)) != AZOTH_OK)
        return (fail("queue setup", status), -1);
    if (queue.ring.size < 3) {
        printf("virtio-blk: FAIL the device's queue holds %u descriptors, a request needs 3\n", (unsigned)queue.ring.size);
        return -1;
    }
    if ((status = map_dma(pci, meta_page, sizeof meta_page, &meta_dma, &meta_address)) != AZOTH_OK)
        return (fail("request buffer", status), -1);
    status = azoth_virtio_queue_irq(&device, &queue, 0, sleeper, 1, &irq);
    if (status == AZOTH_E_UNSUPPORTED)
        irq = 0;
    else if (status != AZOTH_OK)
        return (fail("queue interrupt", status), -1);
    if ((status = azoth_virtio_driver_ok(&device)) != AZOTH_OK)
        return (fail("driver ok", status), -1);
    for (int i = 0; i < QUEUE_SIZE; ++i)
        head_slot[i] = -1;
    memset(meta_page + ID_AT, 0, ID_BYTES + 1);
    if (post(0, T_GET_ID, 0, meta_address + ID_AT, ID_BYTES) != 0 || notify() != 0)
        return -1;
    int s = 0;
    uint8_t answer = 0;
    if (complete_one(&s, &answer) != 0)
        return -1;
    if (answer != S_OK)
        return 0; /* no serial: not ours */
    char serial[ID_BYTES + 1];
    memcpy(serial, meta_page + ID_AT, ID_BYTES);
    serial[ID_BYTES] = 0; /* a 20-byte serial has no terminator */
    return strcmp(serial, WANTED_SERIAL) == 0 ? 1 : 0;
}

int main(int argc, char** argv)
{
    int checking = argc > 1 && strcmp(argv[1], "--check") == 0;
    azoth_status_t status;
    if ((status = azoth_event_create(&sleeper)) != AZOTH_OK)
        return fail("event", status);
    azoth_pci_info_t info;
    azoth_handle_t pci = 0;
    uint32_t others = 0;
    for (uint32_t i = 0; azoth_pci_list(i, &info) == AZOTH_OK; ++i) {
        if (info.vendor != AZOTH_VIRTIO_VENDOR || info.device != BLK_DEVICE)
            continue;
        azoth_handle_t candidate = 0;
        if ((status = azoth_pci_open(info.address, &candidate)) != AZOTH_OK)
            return fail("pci_open", status);
        int found = probe(candidate);
        if (found < 0)
            return 1;
        if (found) {
            pci = candidate;
            break;
        }
        let_go(candidate);
        ++others;
    }
    if (!pci) {
        printf("virtio-blk: no data disk on this machine (no virtio block function with serial %s; %u others)\n", WANTED_SERIAL,
            (unsigned)others);
        return checking ? 1 : 0;
    }
    uint64_t capacity = 0, block_size = SECTOR;
    if ((status = azoth_virtio_device_read(&device, 0, 4, &capacity)) != AZOTH_OK)
        return fail("capacity", status);
    uint64_t high = 0;
    if ((status = azoth_virtio_device_read(&device, 4, 4, &high)) != AZOTH_OK)
        return fail("capacity", status);
    capacity = (capacity & 0xFFFFFFFFu) | high << 32;
    if (device.features & F_BLK_SIZE) {
        if ((status = azoth_virtio_device_read(&device, 20, 4, &block_size)) != AZOTH_OK)
            return fail("block size", status);
    }
    if (capacity == 0)
        return device_fault("the data disk has no sectors");
    if ((status = map_dma(pci, data_pages, sizeof data_pages, &data_dma, &data_address)) != AZOTH_OK)
        return fail("data buffer", status);
    printf("virtio-blk: data disk %s: %llu sectors of 512 bytes (%llu MiB), block size %llu, %s%s, %d requests in flight, queue size %u, %s (%u other virtio-blk left alone)\n",
        WANTED_SERIAL, (unsigned long long)capacity, (unsigned long long)(capacity / 2048), (unsigned long long)block_size,
        device.features & F_FLUSH ? "flush" : "no flush", device.features & F_RO ? ", read-only" : "", REQUESTS, (unsigned)queue.ring.size, irq ? "msi-x" : "polled",
        (unsigned)others);
    fflush(stdout);
    if (checking)
        return check(capacity);
    /* Until the FS service exists there is nobody to serve: wait. */
    for (;;) {
        uint32_t bits = 0;
        azoth_event_wait(sleeper, 2, 3600ull * 1000000000ull, &bits);
    }
}
