// The ChaCha20 block function behind random_get in the kernel (kernel/platform/kernel/KernelRandom.h),
// against RFC 8439's test vectors (section 2.3.2 and appendix A.1 #1).
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>

#include <kernel/platform/kernel/KernelRandom.h>

using namespace ath;

namespace {

// chacha20_block(key, counter, nonce) must give the 64 bytes spelled in hex by `expected`.
void expect_block(const u32 (&key)[8], u32 counter, const u32 (&nonce)[3], const char* expected)
{
    ASSERT_EQ(std::strlen(expected), 128u);
    u8 block[64];
    sys::chacha20_block(key, counter, nonce, block);
    for (int i = 0; i < 64; ++i) {
        char hex[3] = { expected[2 * i], expected[2 * i + 1], 0 };
        EXPECT_EQ(block[i], static_cast<u8>(std::strtoul(hex, nullptr, 16))) << "byte " << i;
    }
}

} // namespace

TEST(ChaCha20, Rfc8439Section232)
{
    u32 key[8];
    for (u32 i = 0; i < 8; ++i)
        key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
    const u32 nonce[3] = { 0x09000000, 0x4a000000, 0x00000000 };
    expect_block(key, 1, nonce,
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

TEST(ChaCha20, Rfc8439AppendixA1Vector1)
{
    const u32 key[8] = {};
    const u32 nonce[3] = {};
    expect_block(key, 0, nonce,
        "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
}

TEST(ChaCha20, BootKnownAnswerTestPasses)
{
    EXPECT_FALSE(sys::chacha20_known_answer_test().is_error());
}
