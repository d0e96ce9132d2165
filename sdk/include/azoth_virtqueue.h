// A virtio 1.x split virtqueue (virtio 1.1, section 2.6) for driver modules: the descriptor table,
// the available ring (driver -> device) and the used ring (device -> driver) laid out in one DMA
// buffer. This file is the ring logic only (no azoth imports), so it also compiles hosted and is
// tested there (tests/unit/virtio); azoth_virtio.h puts it on a device.
//
//   offset 0               descriptor table: size x { u64 addr; u32 len; u16 flags; u16 next }
//   16 x size              available ring:   u16 flags; u16 idx; u16 ring[size]; u16 used_event
//   align4(18 x size + 6)  used ring:        u16 flags; u16 idx; size x { u32 id; u32 len }; u16 avail_event
//
// The device may be buggy or hostile: everything it writes (the used ring) is checked before
// use. A used entry naming a descriptor that is not the head of a chain the driver posted, or
// claiming more bytes than the chain's writable part holds, makes azoth_virtq_take_used answer
// AZOTH_VIRTQ_DEVICE_ERROR (reset the device). The driver's own bookkeeping (free list, posted
// chains) lives in the azoth_virtq_t, in ordinary memory the device cannot reach.
#pragma once

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AZOTH_VIRTQ_MAX_SIZE = 256, // queue sizes the library takes: powers of two up to this
    AZOTH_VIRTQ_DESC_F_NEXT = 1,
    AZOTH_VIRTQ_DESC_F_WRITE = 2,
    AZOTH_VIRTQ_USED_F_NO_NOTIFY = 1,
    AZOTH_VIRTQ_OK = 0,
    AZOTH_VIRTQ_EMPTY = 1,         // take_used: nothing new in the used ring
    AZOTH_VIRTQ_INVALID = -1,      // bad arguments (size, buffers, memory)
    AZOTH_VIRTQ_FULL = -2,         // add: not enough free descriptors
    AZOTH_VIRTQ_DEVICE_ERROR = -3, // take_used: the device wrote something impossible
};

typedef struct {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} azoth_virtq_desc_t;

typedef struct {
    uint32_t id;
    uint32_t len;
} azoth_virtq_used_elem_t;

// One piece of a request: `length` bytes at device address `address`; writable = the device
// writes it (a response), else it reads it.
typedef struct {
    uint64_t address;
    uint32_t length;
    uint32_t writable;
} azoth_virtq_buffer_t;

typedef struct {
    uint16_t size;
    volatile azoth_virtq_desc_t* desc;
    volatile uint16_t* avail; // [0] flags, [1] idx, [2 + i] ring, [2 + size] used_event
    volatile uint16_t* used_header; // [0] flags, [1] idx
    volatile azoth_virtq_used_elem_t* used_ring;
    uint64_t desc_address, avail_address, used_address; // where the device finds them
    // Driver-private state.
    uint16_t free_head;
    uint16_t free_count;
    uint16_t avail_idx; // next avail->idx to publish
    uint16_t last_used; // the used->idx seen so far
    uint16_t next_free[AZOTH_VIRTQ_MAX_SIZE];
    uint16_t chain_length[AZOTH_VIRTQ_MAX_SIZE]; // 0: not a posted chain's head
    uint32_t chain_writable[AZOTH_VIRTQ_MAX_SIZE]; // bytes the device may write into the chain
} azoth_virtq_t;

static inline uint32_t azoth_virtq_used_offset(uint16_t size) { return (18u * size + 6u + 3u) & ~3u; }

// Bytes the queue's three parts take in the DMA buffer.
static inline uint32_t azoth_virtq_bytes(uint16_t size) { return azoth_virtq_used_offset(size) + 6u + 8u * size; }

static inline int azoth_virtq_size_ok(uint32_t size) { return size != 0 && size <= AZOTH_VIRTQ_MAX_SIZE && (size & (size - 1)) == 0; }

// Lays out a queue of `size` entries in `memory` (at least azoth_virtq_bytes(size) bytes, 16-byte
// aligned), which the device sees at `device_address`. Zeroes it; every descriptor is free.
static inline int azoth_virtq_init(azoth_virtq_t* q, uint16_t size, void* memory, uint32_t capacity, uint64_t device_address)
{
    if (!azoth_virtq_size_ok(size) || !memory || ((uintptr_t)memory & 15) != 0 || (device_address & 15) != 0
        || capacity < azoth_virtq_bytes(size))
        return AZOTH_VIRTQ_INVALID;
    memset(memory, 0, azoth_virtq_bytes(size));
    unsigned char* base = (unsigned char*)memory;
    q->size = size;
    q->desc = (volatile azoth_virtq_desc_t*)base;
    q->avail = (volatile uint16_t*)(base + 16u * size);
    q->used_header = (volatile uint16_t*)(base + azoth_virtq_used_offset(size));
    q->used_ring = (volatile azoth_virtq_used_elem_t*)(base + azoth_virtq_used_offset(size) + 4);
    q->desc_address = device_address;
    q->avail_address = device_address + 16u * size;
    q->used_address = device_address + azoth_virtq_used_offset(size);
    q->free_head = 0;
    q->free_count = size;
    q->avail_idx = 0;
    q->last_used = 0;
    for (uint16_t i = 0; i < size; ++i) {
        q->next_free[i] = (uint16_t)(i + 1);
        q->chain_length[i] = 0;
        q->chain_writable[i] = 0;
    }
    return AZOTH_VIRTQ_OK;
}

// Posts one request (a chain of `count` buffers, the device-readable ones first as virtio
// requires) and publishes it in the available ring; its head descriptor goes to *head_out. The
// caller then notifies the device (azoth_virtio_notify) unless azoth_virtq_notify_suppressed.
static inline int azoth_virtq_add(azoth_virtq_t* q, const azoth_virtq_buffer_t* buffers, uint32_t count, uint16_t* head_out)
{
    if (count == 0 || !buffers)
        return AZOTH_VIRTQ_INVALID;
    uint32_t writable = 0;
    int seen_writable = 0;
    for (uint32_t i = 0; i < count; ++i) {
        if (buffers[i].length == 0)
            return AZOTH_VIRTQ_INVALID;
        if (buffers[i].writable) {
            seen_writable = 1;
            if (writable + buffers[i].length < writable)
                return AZOTH_VIRTQ_INVALID;
            writable += buffers[i].length;
        } else if (seen_writable) {
            return AZOTH_VIRTQ_INVALID; // readable after writable
        }
    }
    if (count > q->free_count)
        return AZOTH_VIRTQ_FULL;
    uint16_t head = q->free_head;
    uint16_t at = head;
    for (uint32_t i = 0; i < count; ++i) {
        uint16_t next = q->next_free[at];
        q->desc[at].addr = buffers[i].address;
        q->desc[at].len = buffers[i].length;
        q->desc[at].flags = (uint16_t)((buffers[i].writable ? AZOTH_VIRTQ_DESC_F_WRITE : 0) | (i + 1 < count ? AZOTH_VIRTQ_DESC_F_NEXT : 0));
        q->desc[at].next = i + 1 < count ? next : 0;
        if (i + 1 < count)
            at = next;
        else
            q->free_head = next;
    }
    q->free_count = (uint16_t)(q->free_count - count);
    q->chain_length[head] = (uint16_t)count;
    q->chain_writable[head] = writable;
    q->avail[2 + (q->avail_idx & (q->size - 1))] = head;
    // The entry must be visible before the index that publishes it (a compiler barrier: Wasm
    // stores are performed in program order, and the kernel orders them before the notify's MMIO).
    __asm__ volatile("" ::: "memory");
    q->avail_idx = (uint16_t)(q->avail_idx + 1);
    q->avail[1] = q->avail_idx;
    if (head_out)
        *head_out = head;
    return AZOTH_VIRTQ_OK;
}

// Whether the device asked not to be notified (used ring flags).
static inline int azoth_virtq_notify_suppressed(const azoth_virtq_t* q) { return (q->used_header[0] & AZOTH_VIRTQ_USED_F_NO_NOTIFY) != 0; }

// Requests posted and not yet returned by the device.
static inline uint32_t azoth_virtq_in_flight(const azoth_virtq_t* q) { return (uint32_t)(q->size - q->free_count); }

// Takes the next request the device finished: its head and the bytes the device says it wrote.
// AZOTH_VIRTQ_EMPTY when there is none; AZOTH_VIRTQ_DEVICE_ERROR (nothing changes) when the
// device's entry names no posted chain, claims more than the chain's writable bytes, or the used
// index ran ahead of what was posted.
static inline int azoth_virtq_take_used(azoth_virtq_t* q, uint16_t* head_out, uint32_t* length_out)
{
    uint16_t used_idx = q->used_header[1];
    if (used_idx == q->last_used)
        return AZOTH_VIRTQ_EMPTY;
    if ((uint16_t)(used_idx - q->last_used) > azoth_virtq_in_flight(q))
        return AZOTH_VIRTQ_DEVICE_ERROR;
    __asm__ volatile("" ::: "memory"); // read the entry after the index that published it
    azoth_virtq_used_elem_t element;
    element.id = q->used_ring[q->last_used & (q->size - 1)].id;
    element.len = q->used_ring[q->last_used & (q->size - 1)].len;
    if (element.id >= q->size || q->chain_length[element.id] == 0 || element.len > q->chain_writable[element.id])
        return AZOTH_VIRTQ_DEVICE_ERROR;
    uint16_t head = (uint16_t)element.id;
    uint16_t count = q->chain_length[head];
    // Free the chain, following the driver's own links (next_free was kept for every descriptor
    // of the chain: the device cannot redirect it).
    uint16_t last = head;
    for (uint16_t i = 1; i < count; ++i)
        last = q->next_free[last];
    q->next_free[last] = q->free_head;
    q->free_head = head;
    q->free_count = (uint16_t)(q->free_count + count);
    q->chain_length[head] = 0;
    q->chain_writable[head] = 0;
    q->last_used = (uint16_t)(q->last_used + 1);
    if (head_out)
        *head_out = head;
    if (length_out)
        *length_out = element.len;
    return AZOTH_VIRTQ_OK;
}

#ifdef __cplusplus
}
#endif
