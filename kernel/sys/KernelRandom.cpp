#include <kernel/arch/Arch.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/sys/KernelRandom.h>

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

struct Generator {
    u32 key[8] {};
    u64 requests { 0 };
    bool seeded { false };
    bool hardware_seed { false };
};

SpinLock g_lock;
Generator g_generator;

u32 load_u32(const u8* bytes) { return u32(bytes[0]) | u32(bytes[1]) << 8 | u32(bytes[2]) << 16 | u32(bytes[3]) << 24; }

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

ErrorOr init_kernel_random()
{
    TRY(chacha20_known_answer_test());
    ScopedLock lock(g_lock);
    // Seed material: 8 hardware words when there are any, always mixed with timing.
    u32 material[16] {};
    bool hardware = true;
    for (int i = 0; i < 4; ++i) {
        auto word = Arch::hardware_random();
        if (!word.has_value()) {
            hardware = false;
            break;
        }
        material[2 * i] = u32(*word);
        material[2 * i + 1] = u32(*word >> 32);
    }
    u64 cycles = Arch::cycle_counter();
    u64 clock = Arch::clock_nanoseconds();
    material[8] = u32(cycles), material[9] = u32(cycles >> 32);
    material[10] = u32(clock), material[11] = u32(clock >> 32);
    // Condense the material through one block so no raw input is ever the key.
    const u32 nonce[3] = { material[8], material[9], material[10] };
    u8 block[64];
    chacha20_block(material, material[11], nonce, block);
    for (int i = 0; i < 8; ++i)
        g_generator.key[i] = load_u32(block + 4 * i);
    g_generator.seeded = true;
    g_generator.hardware_seed = hardware;
    return {};
}

ErrorOr kernel_random(Bytes buffer)
{
    ScopedLock lock(g_lock);
    if (!g_generator.seeded)
        return Error::from(ErrorCode::Busy, "the kernel random generator is not seeded");
    u32 nonce[3] = { u32(g_generator.requests), u32(g_generator.requests >> 32), 0 };
    ++g_generator.requests;
    u8 block[64];
    // Block 0 rekeys; blocks 1.. are output.
    chacha20_block(g_generator.key, 0, nonce, block);
    u32 next_key[8];
    for (int i = 0; i < 8; ++i)
        next_key[i] = load_u32(block + 4 * i);
    usize done = 0;
    for (u32 counter = 1; done < buffer.size(); ++counter) {
        chacha20_block(g_generator.key, counter, nonce, block);
        usize chunk = min<usize>(64, buffer.size() - done);
        for (usize i = 0; i < chunk; ++i)
            buffer[done + i] = block[i];
        done += chunk;
    }
    for (int i = 0; i < 8; ++i)
        g_generator.key[i] = next_key[i];
    return {};
}

bool kernel_random_has_hardware_seed() { return g_generator.hardware_seed; }

} // namespace ath::sys
