/* SHA-256 (FIPS 180-4) of a generated buffer, hashed repeatedly with the digest chained in. */
#include "kernel.h"

#define MESSAGE_BYTES SIZE(4096, 1u << 20)
#define ROUNDS SIZE(1, 6)

static const u32 round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u8 message[MESSAGE_BYTES + 128];

static inline u32 rotate_right(u32 value, int bits)
{
    return (value >> bits) | (value << (32 - bits));
}

static void compress(u32 state[8], const u8* block)
{
    u32 schedule[64];
    for (int i = 0; i < 16; ++i)
        schedule[i] = (u32)block[4 * i] << 24 | (u32)block[4 * i + 1] << 16 | (u32)block[4 * i + 2] << 8 |
                      block[4 * i + 3];
    for (int i = 16; i < 64; ++i) {
        u32 s0 = rotate_right(schedule[i - 15], 7) ^ rotate_right(schedule[i - 15], 18) ^ (schedule[i - 15] >> 3);
        u32 s1 = rotate_right(schedule[i - 2], 17) ^ rotate_right(schedule[i - 2], 19) ^ (schedule[i - 2] >> 10);
        schedule[i] = schedule[i - 16] + s0 + schedule[i - 7] + s1;
    }
    u32 a = state[0], b = state[1], c = state[2], d = state[3];
    u32 e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; ++i) {
        u32 sum1 = rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25);
        u32 choose = (e & f) ^ (~e & g);
        u32 t1 = h + sum1 + choose + round_constants[i] + schedule[i];
        u32 sum0 = rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22);
        u32 majority = (a & b) ^ (a & c) ^ (b & c);
        u32 t2 = sum0 + majority;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

/* Hashes message[0, length) in place: the padding is written after the message. */
static void sha256(u32 length, u32 digest[8])
{
    static const u32 initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (int i = 0; i < 8; ++i)
        digest[i] = initial[i];
    u32 padded = (length + 9 + 63) / 64 * 64;
    message[length] = 0x80;
    for (u32 i = length + 1; i < padded; ++i)
        message[i] = 0;
    u64 bit_length = (u64)length * 8;
    for (int i = 0; i < 8; ++i)
        message[padded - 1 - i] = (u8)(bit_length >> (8 * i));
    for (u32 offset = 0; offset < padded; offset += 64)
        compress(digest, message + offset);
}

KERNEL_EXPORT u32 run(void)
{
    u32 state = 0x9e3779b9;
    u32 digest[8] = {0};
    u32 checksum = 2166136261u;
    for (int round = 0; round < ROUNDS; ++round) {
        for (u32 i = 0; i < MESSAGE_BYTES; ++i)
            message[i] = (u8)next_random(&state);
        for (int i = 0; i < 8; ++i)
            message[i * 4] ^= (u8)digest[i];
        sha256(MESSAGE_BYTES, digest);
        for (int i = 0; i < 8; ++i)
            checksum = mix(checksum, digest[i]);
    }
    return checksum;
}
