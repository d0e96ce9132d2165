#pragma once

// Entropy for modules (WASI random_get) in the kernel: a ChaCha20 keystream (RFC 8439 block
// function) keyed from a boot-time seed. The seed mixes the arch's hardware generator
// (x86_64: RDRAND; Arch::hardware_random) with the cycle counter and clock; without a hardware
// generator the seed is only timing jitter, which init reports on the console. The key is replaced
// by fresh keystream after every request (fast key erasure), so earlier output cannot be recovered
// from the state.
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>

namespace ath::sys {

// The ChaCha20 block function: 64 bytes of keystream for (key, counter, nonce).
void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 output[64]);

// Checks chacha20_block against the RFC 8439 section 2.3.2 test vector.
ErrorOr chacha20_known_answer_test();

// Seeds the generator; an error when the known-answer test fails (then random_get fails too).
ErrorOr init_kernel_random();
ErrorOr kernel_random(Bytes buffer);
bool kernel_random_has_hardware_seed();

// Entropy from a driver (azoth.entropy_add): mixed into the key (XOR, then one block of the
// keyed function replaces it), so the output depends on it from the next request on and a
// source that knows the input but not the key learns nothing. `source` names the module in the
// log line `random: N bytes from SOURCE (...)`, printed for the first delivery and every 64th.
// InvalidArgument for more than max_entropy_delivery bytes; Busy before the generator is seeded.
constexpr usize max_entropy_delivery = 256;
ErrorOr kernel_random_add_entropy(ReadonlyBytes input, StringView source);
// Bytes and deliveries mixed in since boot.
u64 kernel_random_entropy_bytes();
u64 kernel_random_entropy_deliveries();

} // namespace ath::sys
