#include <kernel/arch/Arch.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Format.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/platform/kernel/KernelRandom.h>

namespace ath::sys {

namespace {

struct Generator {
    u32 key[8] {};
    u64 requests { 0 };
    bool seeded { false };
    bool hardware_seed { false };
    u64 entropy_bytes { 0 };
    u64 entropy_deliveries { 0 };
};

SpinLock g_lock;
Generator g_generator;

u32 load_u32(const u8* bytes) { return u32(bytes[0]) | u32(bytes[1]) << 8 | u32(bytes[2]) << 16 | u32(bytes[3]) << 24; }

} // namespace

ErrorOr init_kernel_random()
{
    TRY(chacha20_known_answer_test());
    ScopedLock lock(g_lock);
    // Seed material: 8 hardware words when there are any, always mixed with timing.
    u32 material[16] {};
    bool hardware = true;
    for (usize i = 0; i < 4; ++i) {
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
    for (usize i = 0; i < 8; ++i)
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
    for (usize i = 0; i < 8; ++i)
        next_key[i] = load_u32(block + 4 * i);
    usize done = 0;
    for (u32 counter = 1; done < buffer.size(); ++counter) {
        chacha20_block(g_generator.key, counter, nonce, block);
        usize chunk = min<usize>(64, buffer.size() - done);
        for (usize i = 0; i < chunk; ++i)
            buffer[done + i] = block[i];
        done += chunk;
    }
    for (usize i = 0; i < 8; ++i)
        g_generator.key[i] = next_key[i];
    return {};
}

bool kernel_random_has_hardware_seed() { return g_generator.hardware_seed; }

ErrorOr kernel_random_add_entropy(ReadonlyBytes input, StringView source)
{
    if (input.size() > max_entropy_delivery)
        return Error::from(ErrorCode::InvalidArgument, "at most 256 bytes of entropy at a time");
    u64 bytes = 0, deliveries = 0;
    {
        ScopedLock lock(g_lock);
        if (!g_generator.seeded)
            return Error::from(ErrorCode::Busy, "the kernel random generator is not seeded");
        // Every 32 bytes: XOR into the key, then rekey through one block (nonce: the delivery
        // number and the chunk), so no input byte is ever the key by itself.
        for (usize at = 0; at < input.size(); at += 32) {
            u8 chunk[32] {};
            for (usize i = 0; i < 32 && at + i < input.size(); ++i)
                chunk[i] = input[at + i];
            for (usize i = 0; i < 8; ++i)
                g_generator.key[i] ^= load_u32(chunk + 4 * i);
            u32 nonce[3] = { u32(g_generator.entropy_deliveries), u32(g_generator.entropy_deliveries >> 32), u32(at) | 0x80000000u };
            u8 block[64];
            chacha20_block(g_generator.key, 0, nonce, block);
            for (usize i = 0; i < 8; ++i)
                g_generator.key[i] = load_u32(block + 4 * i);
        }
        g_generator.entropy_bytes += input.size();
        ++g_generator.entropy_deliveries;
        bytes = g_generator.entropy_bytes;
        deliveries = g_generator.entropy_deliveries;
    }
    if (deliveries == 1 || deliveries % 64 == 0)
        println("random: {} bytes from {} ({} deliveries, {} bytes in total)", input.size(), source, deliveries, bytes);
    return {};
}

u64 kernel_random_entropy_bytes() { return __atomic_load_n(&g_generator.entropy_bytes, __ATOMIC_RELAXED); }
u64 kernel_random_entropy_deliveries() { return __atomic_load_n(&g_generator.entropy_deliveries, __ATOMIC_RELAXED); }

} // namespace ath::sys
