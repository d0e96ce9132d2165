#pragma once

// Every plain numeric instruction, listed once: the compiler uses the list for validation (operand
// and result types) and the interpreter for its handlers. Operands are C values of the listed C
// type (floats as f32/f64, integers unsigned); `r` is the result. A body may `TRAP(kind)`.
//   UNARY(opcode, Name, result ValueType, operand ValueType, result C type, operand C type, body)
//   BINARY(...same..., body using a and b)

// The i32 comparisons come first (a loop's `i += c; br_if (i <op> n)` has forms for them only).
#define ATH_WASM_COMPARE_OPS(B) ATH_WASM_I32_COMPARE_OPS(B) ATH_WASM_OTHER_COMPARE_OPS(B)
#define ATH_WASM_I32_COMPARE_OPS(B)                                                        \
    B(0x46, I32Eq, I32, I32, u32, u32, r = a == b;)                                        \
    B(0x47, I32Ne, I32, I32, u32, u32, r = a != b;)                                        \
    B(0x48, I32LtS, I32, I32, u32, u32, r = static_cast<i32>(a) < static_cast<i32>(b);)    \
    B(0x49, I32LtU, I32, I32, u32, u32, r = a < b;)                                        \
    B(0x4A, I32GtS, I32, I32, u32, u32, r = static_cast<i32>(a) > static_cast<i32>(b);)    \
    B(0x4B, I32GtU, I32, I32, u32, u32, r = a > b;)                                        \
    B(0x4C, I32LeS, I32, I32, u32, u32, r = static_cast<i32>(a) <= static_cast<i32>(b);)   \
    B(0x4D, I32LeU, I32, I32, u32, u32, r = a <= b;)                                       \
    B(0x4E, I32GeS, I32, I32, u32, u32, r = static_cast<i32>(a) >= static_cast<i32>(b);)   \
    B(0x4F, I32GeU, I32, I32, u32, u32, r = a >= b;)
#define ATH_WASM_OTHER_COMPARE_OPS(B)                                                      \
    B(0x51, I64Eq, I32, I64, u32, u64, r = a == b;)                                        \
    B(0x52, I64Ne, I32, I64, u32, u64, r = a != b;)                                        \
    B(0x53, I64LtS, I32, I64, u32, u64, r = static_cast<i64>(a) < static_cast<i64>(b);)    \
    B(0x54, I64LtU, I32, I64, u32, u64, r = a < b;)                                        \
    B(0x55, I64GtS, I32, I64, u32, u64, r = static_cast<i64>(a) > static_cast<i64>(b);)    \
    B(0x56, I64GtU, I32, I64, u32, u64, r = a > b;)                                        \
    B(0x57, I64LeS, I32, I64, u32, u64, r = static_cast<i64>(a) <= static_cast<i64>(b);)   \
    B(0x58, I64LeU, I32, I64, u32, u64, r = a <= b;)                                       \
    B(0x59, I64GeS, I32, I64, u32, u64, r = static_cast<i64>(a) >= static_cast<i64>(b);)   \
    B(0x5A, I64GeU, I32, I64, u32, u64, r = a >= b;)                                       \
    B(0x5B, F32Eq, I32, F32, u32, f32, r = a == b;)                                        \
    B(0x5C, F32Ne, I32, F32, u32, f32, r = a != b;)                                        \
    B(0x5D, F32Lt, I32, F32, u32, f32, r = a < b;)                                         \
    B(0x5E, F32Gt, I32, F32, u32, f32, r = a > b;)                                         \
    B(0x5F, F32Le, I32, F32, u32, f32, r = a <= b;)                                        \
    B(0x60, F32Ge, I32, F32, u32, f32, r = a >= b;)                                        \
    B(0x61, F64Eq, I32, F64, u32, f64, r = a == b;)                                        \
    B(0x62, F64Ne, I32, F64, u32, f64, r = a != b;)                                        \
    B(0x63, F64Lt, I32, F64, u32, f64, r = a < b;)                                         \
    B(0x64, F64Gt, I32, F64, u32, f64, r = a > b;)                                         \
    B(0x65, F64Le, I32, F64, u32, f64, r = a <= b;)                                        \
    B(0x66, F64Ge, I32, F64, u32, f64, r = a >= b;)

#define ATH_WASM_BINARY_ARITHMETIC_OPS(B)                                                                     \
    B(0x6A, I32Add, I32, I32, u32, u32, r = a + b;)                                                           \
    B(0x6B, I32Sub, I32, I32, u32, u32, r = a - b;)                                                           \
    B(0x6C, I32Mul, I32, I32, u32, u32, r = a * b;)                                                           \
    B(0x6D, I32DivS, I32, I32, u32, u32,                                                                      \
        if (b == 0) TRAP(IntegerDivideByZero);                                                               \
        if (a == 0x80000000u && b == 0xFFFFFFFFu) TRAP(IntegerOverflow);                                     \
        r = static_cast<u32>(static_cast<i32>(a) / static_cast<i32>(b));)                                    \
    B(0x6E, I32DivU, I32, I32, u32, u32, if (b == 0) TRAP(IntegerDivideByZero); r = a / b;)                  \
    B(0x6F, I32RemS, I32, I32, u32, u32,                                                                      \
        if (b == 0) TRAP(IntegerDivideByZero);                                                               \
        r = b == 0xFFFFFFFFu ? 0 : static_cast<u32>(static_cast<i32>(a) % static_cast<i32>(b));)             \
    B(0x70, I32RemU, I32, I32, u32, u32, if (b == 0) TRAP(IntegerDivideByZero); r = a % b;)                  \
    B(0x71, I32And, I32, I32, u32, u32, r = a & b;)                                                           \
    B(0x72, I32Or, I32, I32, u32, u32, r = a | b;)                                                            \
    B(0x73, I32Xor, I32, I32, u32, u32, r = a ^ b;)                                                           \
    B(0x74, I32Shl, I32, I32, u32, u32, r = a << (b & 31);)                                                   \
    B(0x75, I32ShrS, I32, I32, u32, u32, r = static_cast<u32>(static_cast<i32>(a) >> (b & 31));)              \
    B(0x76, I32ShrU, I32, I32, u32, u32, r = a >> (b & 31);)                                                  \
    B(0x77, I32Rotl, I32, I32, u32, u32, r = rotate_left(a, b & 31);)                                         \
    B(0x78, I32Rotr, I32, I32, u32, u32, r = rotate_right(a, b & 31);)                                        \
    B(0x7C, I64Add, I64, I64, u64, u64, r = a + b;)                                                           \
    B(0x7D, I64Sub, I64, I64, u64, u64, r = a - b;)                                                           \
    B(0x7E, I64Mul, I64, I64, u64, u64, r = a * b;)                                                           \
    B(0x7F, I64DivS, I64, I64, u64, u64,                                                                      \
        if (b == 0) TRAP(IntegerDivideByZero);                                                               \
        if (a == 0x8000000000000000ull && b == ~0ull) TRAP(IntegerOverflow);                                 \
        r = static_cast<u64>(static_cast<i64>(a) / static_cast<i64>(b));)                                    \
    B(0x80, I64DivU, I64, I64, u64, u64, if (b == 0) TRAP(IntegerDivideByZero); r = a / b;)                  \
    B(0x81, I64RemS, I64, I64, u64, u64,                                                                      \
        if (b == 0) TRAP(IntegerDivideByZero);                                                               \
        r = b == ~0ull ? 0 : static_cast<u64>(static_cast<i64>(a) % static_cast<i64>(b));)                   \
    B(0x82, I64RemU, I64, I64, u64, u64, if (b == 0) TRAP(IntegerDivideByZero); r = a % b;)                  \
    B(0x83, I64And, I64, I64, u64, u64, r = a & b;)                                                           \
    B(0x84, I64Or, I64, I64, u64, u64, r = a | b;)                                                            \
    B(0x85, I64Xor, I64, I64, u64, u64, r = a ^ b;)                                                           \
    B(0x86, I64Shl, I64, I64, u64, u64, r = a << (b & 63);)                                                   \
    B(0x87, I64ShrS, I64, I64, u64, u64, r = static_cast<u64>(static_cast<i64>(a) >> (b & 63));)              \
    B(0x88, I64ShrU, I64, I64, u64, u64, r = a >> (b & 63);)                                                  \
    B(0x89, I64Rotl, I64, I64, u64, u64, r = rotate_left(a, static_cast<unsigned>(b & 63));)                  \
    B(0x8A, I64Rotr, I64, I64, u64, u64, r = rotate_right(a, static_cast<unsigned>(b & 63));)                 \
    B(0x92, F32Add, F32, F32, f32, f32, r = a + b;)                                                           \
    B(0x93, F32Sub, F32, F32, f32, f32, r = a - b;)                                                           \
    B(0x94, F32Mul, F32, F32, f32, f32, r = a * b;)                                                           \
    B(0x95, F32Div, F32, F32, f32, f32, r = a / b;)                                                           \
    B(0x96, F32Min, F32, F32, f32, f32, r = wasm_min(a, b);)                                                  \
    B(0x97, F32Max, F32, F32, f32, f32, r = wasm_max(a, b);)                                                  \
    B(0x98, F32Copysign, F32, F32, f32, f32, r = copy_sign(a, b);)                                            \
    B(0xA0, F64Add, F64, F64, f64, f64, r = a + b;)                                                           \
    B(0xA1, F64Sub, F64, F64, f64, f64, r = a - b;)                                                           \
    B(0xA2, F64Mul, F64, F64, f64, f64, r = a * b;)                                                           \
    B(0xA3, F64Div, F64, F64, f64, f64, r = a / b;)                                                           \
    B(0xA4, F64Min, F64, F64, f64, f64, r = wasm_min(a, b);)                                                  \
    B(0xA5, F64Max, F64, F64, f64, f64, r = wasm_max(a, b);)                                                  \
    B(0xA6, F64Copysign, F64, F64, f64, f64, r = copy_sign(a, b);)

#define ATH_WASM_TRUNC(I, F, Name) \
    if (is_nan(a)) TRAP(InvalidConversionToInteger); \
    if (!truncation_in_range<I, F>(a)) TRAP(IntegerOverflow); \
    r = static_cast<decltype(r)>(static_cast<I>(a));

#define ATH_WASM_UNARY_OPS(U)                                                                                 \
    U(0x45, I32Eqz, I32, I32, u32, u32, r = a == 0;)                                                          \
    U(0x50, I64Eqz, I32, I64, u32, u64, r = a == 0;)                                                          \
    U(0x67, I32Clz, I32, I32, u32, u32, r = a == 0 ? 32 : count_leading_zeros(a);)                            \
    U(0x68, I32Ctz, I32, I32, u32, u32, r = a == 0 ? 32 : count_trailing_zeros(a);)                           \
    U(0x69, I32Popcnt, I32, I32, u32, u32, r = popcount(a);)                                                  \
    U(0x79, I64Clz, I64, I64, u64, u64, r = a == 0 ? 64 : count_leading_zeros(a);)                            \
    U(0x7A, I64Ctz, I64, I64, u64, u64, r = a == 0 ? 64 : count_trailing_zeros(a);)                           \
    U(0x7B, I64Popcnt, I64, I64, u64, u64, r = popcount(a);)                                                  \
    U(0x8B, F32Abs, F32, F32, f32, f32, r = float_abs(a);)                                                    \
    U(0x8C, F32Neg, F32, F32, u32, u32, r = a ^ 0x80000000u;)                                                 \
    U(0x8D, F32Ceil, F32, F32, f32, f32, r = wasm_ceil(a);)                                                   \
    U(0x8E, F32Floor, F32, F32, f32, f32, r = wasm_floor(a);)                                                 \
    U(0x8F, F32Trunc, F32, F32, f32, f32, r = wasm_trunc(a);)                                                 \
    U(0x90, F32Nearest, F32, F32, f32, f32, r = wasm_nearest(a);)                                             \
    U(0x91, F32Sqrt, F32, F32, f32, f32, r = __builtin_sqrtf(a);)                                             \
    U(0x99, F64Abs, F64, F64, f64, f64, r = float_abs(a);)                                                    \
    U(0x9A, F64Neg, F64, F64, u64, u64, r = a ^ 0x8000000000000000ull;)                                       \
    U(0x9B, F64Ceil, F64, F64, f64, f64, r = wasm_ceil(a);)                                                   \
    U(0x9C, F64Floor, F64, F64, f64, f64, r = wasm_floor(a);)                                                 \
    U(0x9D, F64Trunc, F64, F64, f64, f64, r = wasm_trunc(a);)                                                 \
    U(0x9E, F64Nearest, F64, F64, f64, f64, r = wasm_nearest(a);)                                             \
    U(0x9F, F64Sqrt, F64, F64, f64, f64, r = __builtin_sqrt(a);)                                              \
    U(0xA7, I32WrapI64, I32, I64, u32, u64, r = static_cast<u32>(a);)                                         \
    U(0xA8, I32TruncF32S, I32, F32, u32, f32, ATH_WASM_TRUNC(i32, f32, x))                                    \
    U(0xA9, I32TruncF32U, I32, F32, u32, f32, ATH_WASM_TRUNC(u32, f32, x))                                    \
    U(0xAA, I32TruncF64S, I32, F64, u32, f64, ATH_WASM_TRUNC(i32, f64, x))                                    \
    U(0xAB, I32TruncF64U, I32, F64, u32, f64, ATH_WASM_TRUNC(u32, f64, x))                                    \
    U(0xAC, I64ExtendI32S, I64, I32, u64, u32, r = static_cast<u64>(static_cast<i64>(static_cast<i32>(a)));)  \
    U(0xAD, I64ExtendI32U, I64, I32, u64, u32, r = a;)                                                        \
    U(0xAE, I64TruncF32S, I64, F32, u64, f32, ATH_WASM_TRUNC(i64, f32, x))                                    \
    U(0xAF, I64TruncF32U, I64, F32, u64, f32, ATH_WASM_TRUNC(u64, f32, x))                                    \
    U(0xB0, I64TruncF64S, I64, F64, u64, f64, ATH_WASM_TRUNC(i64, f64, x))                                    \
    U(0xB1, I64TruncF64U, I64, F64, u64, f64, ATH_WASM_TRUNC(u64, f64, x))                                    \
    U(0xB2, F32ConvertI32S, F32, I32, f32, u32, r = static_cast<f32>(static_cast<i32>(a));)                   \
    U(0xB3, F32ConvertI32U, F32, I32, f32, u32, r = static_cast<f32>(a);)                                     \
    U(0xB4, F32ConvertI64S, F32, I64, f32, u64, r = static_cast<f32>(static_cast<i64>(a));)                   \
    U(0xB5, F32ConvertI64U, F32, I64, f32, u64, r = static_cast<f32>(a);)                                     \
    U(0xB6, F32DemoteF64, F32, F64, f32, f64, r = static_cast<f32>(a);)                                       \
    U(0xB7, F64ConvertI32S, F64, I32, f64, u32, r = static_cast<f64>(static_cast<i32>(a));)                   \
    U(0xB8, F64ConvertI32U, F64, I32, f64, u32, r = static_cast<f64>(a);)                                     \
    U(0xB9, F64ConvertI64S, F64, I64, f64, u64, r = static_cast<f64>(static_cast<i64>(a));)                   \
    U(0xBA, F64ConvertI64U, F64, I64, f64, u64, r = static_cast<f64>(a);)                                     \
    U(0xBB, F64PromoteF32, F64, F32, f64, f32, r = static_cast<f64>(a);)                                      \
    U(0xBC, I32ReinterpretF32, I32, F32, u32, u32, r = a;)                                                    \
    U(0xBD, I64ReinterpretF64, I64, F64, u64, u64, r = a;)                                                    \
    U(0xBE, F32ReinterpretI32, F32, I32, u32, u32, r = a;)                                                    \
    U(0xBF, F64ReinterpretI64, F64, I64, u64, u64, r = a;)                                                    \
    U(0xC0, I32Extend8S, I32, I32, u32, u32, r = static_cast<u32>(static_cast<i32>(static_cast<i8>(a)));)     \
    U(0xC1, I32Extend16S, I32, I32, u32, u32, r = static_cast<u32>(static_cast<i32>(static_cast<i16>(a)));)   \
    U(0xC2, I64Extend8S, I64, I64, u64, u64, r = static_cast<u64>(static_cast<i64>(static_cast<i8>(a)));)     \
    U(0xC3, I64Extend16S, I64, I64, u64, u64, r = static_cast<u64>(static_cast<i64>(static_cast<i16>(a)));)   \
    U(0xC4, I64Extend32S, I64, I64, u64, u64, r = static_cast<u64>(static_cast<i64>(static_cast<i32>(a)));)

// 0xFC-prefixed saturating truncations (sub-opcodes 0..7).
#define ATH_WASM_SATURATING_OPS(U)                                                                        \
    U(0, I32TruncSatF32S, I32, F32, u32, f32, r = static_cast<u32>(saturating_truncate<i32>(a));)         \
    U(1, I32TruncSatF32U, I32, F32, u32, f32, r = saturating_truncate<u32>(a);)                           \
    U(2, I32TruncSatF64S, I32, F64, u32, f64, r = static_cast<u32>(saturating_truncate<i32>(a));)         \
    U(3, I32TruncSatF64U, I32, F64, u32, f64, r = saturating_truncate<u32>(a);)                           \
    U(4, I64TruncSatF32S, I64, F32, u64, f32, r = static_cast<u64>(saturating_truncate<i64>(a));)         \
    U(5, I64TruncSatF32U, I64, F32, u64, f32, r = saturating_truncate<u64>(a);)                           \
    U(6, I64TruncSatF64S, I64, F64, u64, f64, r = static_cast<u64>(saturating_truncate<i64>(a));)         \
    U(7, I64TruncSatF64U, I64, F64, u64, f64, r = saturating_truncate<u64>(a);)

// Loads and stores: (opcode, Name, ValueType, memory C type, value C type, natural alignment log2).
#define ATH_WASM_LOAD_OPS(L)                      \
    L(0x28, I32Load, I32, u32, u32, 2)            \
    L(0x29, I64Load, I64, u64, u64, 3)            \
    L(0x2A, F32Load, F32, u32, u32, 2)            \
    L(0x2B, F64Load, F64, u64, u64, 3)            \
    L(0x2C, I32Load8S, I32, i8, u32, 0)           \
    L(0x2D, I32Load8U, I32, u8, u32, 0)           \
    L(0x2E, I32Load16S, I32, i16, u32, 1)         \
    L(0x2F, I32Load16U, I32, u16, u32, 1)         \
    L(0x30, I64Load8S, I64, i8, u64, 0)           \
    L(0x31, I64Load8U, I64, u8, u64, 0)           \
    L(0x32, I64Load16S, I64, i16, u64, 1)         \
    L(0x33, I64Load16U, I64, u16, u64, 1)         \
    L(0x34, I64Load32S, I64, i32, u64, 2)         \
    L(0x35, I64Load32U, I64, u32, u64, 2)

#define ATH_WASM_STORE_OPS(S)                     \
    S(0x36, I32Store, I32, u32, 2)                \
    S(0x37, I64Store, I64, u64, 3)                \
    S(0x38, F32Store, F32, u32, 2)                \
    S(0x39, F64Store, F64, u64, 3)                \
    S(0x3A, I32Store8, I32, u8, 0)                \
    S(0x3B, I32Store16, I32, u16, 1)              \
    S(0x3C, I64Store8, I64, u8, 0)                \
    S(0x3D, I64Store16, I64, u16, 1)              \
    S(0x3E, I64Store32, I64, u32, 2)
