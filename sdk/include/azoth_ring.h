// The channel ring for modules: the same layout as the kernel's RingView (kernel/ipc/Ring.h).
// Map a channel's region (azoth_channel_region + azoth_region_map), attach, then send or receive
// without a system call; signal the channel's peer through an event when it must wake up.
//
//   offset 0 u32 head, 4 u32 tail, 8 u32 slot_count (power of two), 12 u32 slot_size; slots at 64,
//   each { u32 length; u8 payload[slot_size - 4] }. Indices run free and are masked.
//
// The other side may be hostile: every index and length is checked before use.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    volatile uint32_t* header;
    unsigned char* slots;
    uint32_t slot_count;
    uint32_t slot_size;
} azoth_ring_t;

enum { AZOTH_RING_HEADER_SIZE = 64 };

// 0 on success, -1 when the header does not describe a ring that fits in `size` bytes.
static inline int azoth_ring_attach(azoth_ring_t* ring, void* memory, uint32_t size)
{
    volatile uint32_t* header = (volatile uint32_t*)memory;
    uint32_t count = header[2], slot_size = header[3];
    if (size < AZOTH_RING_HEADER_SIZE || count == 0 || (count & (count - 1)) != 0 || slot_size < 16 || slot_size % 8 != 0)
        return -1;
    if ((uint64_t)count * slot_size > (uint64_t)(size - AZOTH_RING_HEADER_SIZE))
        return -1;
    ring->header = header;
    ring->slots = (unsigned char*)memory + AZOTH_RING_HEADER_SIZE;
    ring->slot_count = count;
    ring->slot_size = slot_size;
    return 0;
}

// 1 sent, 0 full, -1 too large or corrupt indices.
static inline int azoth_ring_try_send(azoth_ring_t* ring, const void* message, uint32_t length)
{
    uint32_t tail = ring->header[1];
    uint32_t head = __atomic_load_n(&ring->header[0], __ATOMIC_ACQUIRE);
    uint32_t used = tail - head;
    if (length > ring->slot_size - 4 || used > ring->slot_count)
        return -1;
    if (used == ring->slot_count)
        return 0;
    unsigned char* slot = ring->slots + (uint64_t)(tail & (ring->slot_count - 1)) * ring->slot_size;
    __builtin_memcpy(slot, &length, 4);
    for (uint32_t i = 0; i < length; ++i)
        slot[4 + i] = ((const unsigned char*)message)[i];
    __atomic_store_n(&ring->header[1], tail + 1, __ATOMIC_RELEASE);
    return 1;
}

// 1 received (*length_out set), 0 empty, -1 corrupt or larger than `capacity`.
static inline int azoth_ring_try_receive(azoth_ring_t* ring, void* buffer, uint32_t capacity, uint32_t* length_out)
{
    uint32_t head = ring->header[0];
    uint32_t tail = __atomic_load_n(&ring->header[1], __ATOMIC_ACQUIRE);
    uint32_t used = tail - head;
    if (used > ring->slot_count)
        return -1;
    if (used == 0)
        return 0;
    const unsigned char* slot = ring->slots + (uint64_t)(head & (ring->slot_count - 1)) * ring->slot_size;
    uint32_t length;
    __builtin_memcpy(&length, slot, 4);
    if (length > ring->slot_size - 4 || length > capacity)
        return -1;
    for (uint32_t i = 0; i < length; ++i)
        ((unsigned char*)buffer)[i] = slot[4 + i];
    *length_out = length;
    __atomic_store_n(&ring->header[0], head + 1, __ATOMIC_RELEASE);
    return 1;
}

#ifdef __cplusplus
}
#endif
