/* Shared by every benchmark kernel: fixed-width types, the exported entry point and, for the
 * wasm32 build (no libc), the memory builtins clang may call for loops it recognises.
 *
 * Each kernel defines `KERNEL_RUN` and sizes its work with `SMOKE` (cheap, for the ctest smoke
 * test) or the full benchmark size. run() must rebuild all of its state on every call, because
 * engines call it repeatedly in one instance. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int i32;
typedef long long i64;
typedef __SIZE_TYPE__ usize;

/* The native build renames run() per kernel (-Drun=...) so several kernels can share one binary. */
#define KERNEL_EXPORT __attribute__((visibility("default")))

#if defined(SMOKE)
#define SIZE(smoke, full) (smoke)
#else
#define SIZE(smoke, full) (full)
#endif

#if defined(__wasm__)
/* clang turns copy/fill loops into calls to these; wasm32 has no libc here. no_builtin keeps
 * clang from turning these very loops back into calls to themselves. */
__attribute__((no_builtin, used)) void* memset(void* destination, int value, usize count)
{
    u8* bytes = (u8*)destination;
    for (usize i = 0; i < count; ++i)
        bytes[i] = (u8)value;
    return destination;
}

__attribute__((no_builtin, used)) void* memcpy(void* destination, const void* source, usize count)
{
    u8* to = (u8*)destination;
    const u8* from = (const u8*)source;
    for (usize i = 0; i < count; ++i)
        to[i] = from[i];
    return destination;
}

__attribute__((no_builtin, used)) void* memmove(void* destination, const void* source, usize count)
{
    u8* to = (u8*)destination;
    const u8* from = (const u8*)source;
    if (to < from) {
        for (usize i = 0; i < count; ++i)
            to[i] = from[i];
    } else {
        for (usize i = count; i > 0; --i)
            to[i - 1] = from[i - 1];
    }
    return destination;
}
#else
void* memset(void* destination, int value, usize count);
void* memcpy(void* destination, const void* source, usize count);
void* memmove(void* destination, const void* source, usize count);
#endif

/* A small deterministic generator (xorshift32) so inputs are identical on every engine. */
static inline u32 next_random(u32* state)
{
    u32 x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Folds a value into a running checksum (FNV-1a style mixing of 32-bit words). */
static inline u32 mix(u32 checksum, u32 value)
{
    return (checksum ^ value) * 16777619u;
}

#endif
