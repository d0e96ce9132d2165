/* CRC-32 (IEEE 802.3, reflected, table-driven byte at a time) over a generated buffer. */
#include "kernel.h"

#define BUFFER_BYTES SIZE(8192, 1u << 20)
#define PASSES SIZE(2, 25)

static u32 table[256];
static u8 buffer[BUFFER_BYTES];

KERNEL_EXPORT u32 run(void)
{
    for (u32 i = 0; i < 256; ++i) {
        u32 value = i;
        for (int bit = 0; bit < 8; ++bit)
            value = (value & 1) ? (value >> 1) ^ 0xEDB88320u : value >> 1;
        table[i] = value;
    }
    u32 state = 2463534242u;
    for (u32 i = 0; i < BUFFER_BYTES; ++i)
        buffer[i] = (u8)(next_random(&state) >> 24);
    u32 checksum = 2166136261u;
    for (int pass = 0; pass < PASSES; ++pass) {
        u32 crc = 0xFFFFFFFFu;
        for (u32 i = 0; i < BUFFER_BYTES; ++i)
            crc = table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
        crc ^= 0xFFFFFFFFu;
        checksum = mix(checksum, crc);
        buffer[pass % BUFFER_BYTES] ^= (u8)crc; // every pass hashes different bytes
    }
    return checksum;
}
