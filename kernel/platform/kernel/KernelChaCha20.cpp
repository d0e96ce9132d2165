// ChaCha20's block function (RFC 8439 section 2.3) and its known-answer test: no arch or kernel
// dependencies, so the hosted unit tests compile this file as is (tests/fault/unit/ChaCha20Test).
#include <kernel/platform/kernel/KernelRandom.h>

namespace ath::sys {

namespace {

constexpr u32 rotate_left(u32 value, u32 count) { return (value << count) | (value >> (32 - count)); }

inline void quarter_round(u32& a, u32& b, u32& c, u32& d)
{
    a += b, d ^= a, d = rotate_left(d, 16);
    c += d, b ^= c, b = rotate_left(b, 12);
    a += b, d ^= a, d = rotate_left(d, 8);
    c += d, b ^= c, b = rotate_left(b, 7);
}

} // namespace

void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 output[64])
{
    // "expand 32-byte k"
    u32 initial[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1], key[2], key[3],
        key[4], key[5], key[6], key[7], counter, nonce[0], nonce[1], nonce[2] };
    u32 state[16];
    for (int i = 0; i < 16; ++i)
        state[i] = initial[i];
    for (int round = 0; round < 10; ++round) {
        quarter_round(state[0], state[4], state[8], state[12]);
        quarter_round(state[1], state[5], state[9], state[13]);
        quarter_round(state[2], state[6], state[10], state[14]);
        quarter_round(state[3], state[7], state[11], state[15]);
        quarter_round(state[0], state[5], state[10], state[15]);
        quarter_round(state[1], state[6], state[11], state[12]);
        quarter_round(state[2], state[7], state[8], state[13]);
        quarter_round(state[3], state[4], state[9], state[14]);
    }
    for (int i = 0; i < 16; ++i) {
        u32 word = state[i] + initial[i];
        output[4 * i + 0] = u8(word);
        output[4 * i + 1] = u8(word >> 8);
        output[4 * i + 2] = u8(word >> 16);
        output[4 * i + 3] = u8(word >> 24);
    }
}

ErrorOr chacha20_known_answer_test()
{
    u32 key[8];
    for (u32 i = 0; i < 8; ++i)
        key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
    const u32 nonce[3] = { 0x09000000, 0x4a000000, 0x00000000 };
    static constexpr u8 expected[16] = { 0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f,
        0xa3, 0x20, 0x71, 0xc4 };
    static constexpr u8 expected_tail[4] = { 0xa2, 0x50, 0x3c, 0x4e };
    u8 block[64];
    chacha20_block(key, 1, nonce, block);
    for (usize i = 0; i < 16; ++i) {
        if (block[i] != expected[i])
            return Error::from(ErrorCode::Invalid, "ChaCha20 does not match the RFC 8439 test vector");
    }
    for (usize i = 0; i < 4; ++i) {
        if (block[60 + i] != expected_tail[i])
            return Error::from(ErrorCode::Invalid, "ChaCha20 does not match the RFC 8439 test vector");
    }
    return {};
}

} // namespace ath::sys
