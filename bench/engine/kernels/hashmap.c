/* An open-addressing hash map (u64 keys, linear probing, tombstone-free deletion by backward
 * shift) under a mixed insert/lookup/erase workload. */
#include "kernel.h"

#define CAPACITY_BITS SIZE(12, 18)
#define CAPACITY (1u << CAPACITY_BITS)
#define OPERATIONS SIZE(6000, 4000000)
#define EMPTY 0ull

static u64 keys[CAPACITY];
static u32 values[CAPACITY];
static u32 size;

static inline u32 slot_of(u64 key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (u32)(key >> (64 - CAPACITY_BITS));
}

static void insert(u64 key, u32 value)
{
    u32 slot = slot_of(key);
    while (keys[slot] != EMPTY && keys[slot] != key)
        slot = (slot + 1) & (CAPACITY - 1);
    if (keys[slot] == EMPTY)
        ++size;
    keys[slot] = key;
    values[slot] = value;
}

static int lookup(u64 key, u32* value)
{
    for (u32 slot = slot_of(key); keys[slot] != EMPTY; slot = (slot + 1) & (CAPACITY - 1)) {
        if (keys[slot] == key) {
            *value = values[slot];
            return 1;
        }
    }
    return 0;
}

static void erase(u64 key)
{
    u32 slot = slot_of(key);
    while (keys[slot] != key) {
        if (keys[slot] == EMPTY)
            return;
        slot = (slot + 1) & (CAPACITY - 1);
    }
    // Shift later members of the probe run back so lookups never meet a false gap.
    u32 hole = slot;
    for (u32 next = (hole + 1) & (CAPACITY - 1); keys[next] != EMPTY; next = (next + 1) & (CAPACITY - 1)) {
        u32 home = slot_of(keys[next]);
        int movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
        if (movable) {
            keys[hole] = keys[next];
            values[hole] = values[next];
            hole = next;
        }
    }
    keys[hole] = EMPTY;
    --size;
}

KERNEL_EXPORT u32 run(void)
{
    for (u32 i = 0; i < CAPACITY; ++i)
        keys[i] = EMPTY;
    size = 0;
    u64 state = 0x0123456789abcdefull;
    u32 checksum = 2166136261u, hits = 0;
    for (u32 operation = 0; operation < OPERATIONS; ++operation) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        // Keys come from a range about 0.7x the capacity so the map stays below ~50% load.
        u64 key = ((state >> 20) % (CAPACITY * 7 / 10)) + 1;
        u32 value = 0;
        switch ((state >> 60) & 3) {
        case 0:
        case 1: insert(key, (u32)state); break;
        case 2:
            if (lookup(key, &value)) {
                ++hits;
                checksum = mix(checksum, value);
            }
            break;
        default: erase(key); break;
        }
    }
    return mix(mix(checksum, hits), size);
}
