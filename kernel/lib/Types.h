#pragma once

// Fixed-width integer names used across the kernel, the engine and the hosted build.
// Only compiler-provided freestanding headers are included here.
#include <stddef.h>
#include <stdint.h>

namespace ath {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using usize = size_t;
using isize = ptrdiff_t;
using uptr = uintptr_t;
using f32 = float;
using f64 = double;

static_assert(sizeof(f32) == 4 && sizeof(f64) == 8, "IEEE-754 binary32/binary64 required");
static_assert(sizeof(void*) == 8 || sizeof(void*) == 4, "32- or 64-bit targets only");

} // namespace ath
