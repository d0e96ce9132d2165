#pragma once

// Every plain numeric instruction, listed once: the validator uses the list for validation (operand
// and result types) and the interpreter for its handlers. Operands are C values of the listed C
// type (floats as f32/f64, integers unsigned); `r` is the result. A body may `TRAP(kind)`.
//   UNARY(opcode, Name, result ValueType, operand ValueType, result C type, operand C type, body)
//   BINARY(...same..., body using a and b)

// The i32 comparisons come first (a loop's `i += c; br_if (i <op> n)` has forms for them only).
#define ATH_WASM_COMPARE_OPS(B) ATH_WASM_I32_COMPARE_OPS(B) ATH_WASM_OTHER_COMPARE_OPS(B)
#define ATH_WASM_I32_COMPARE_OPS(B) ATH_WASM_INTEGER_COMPARE_OPS(B, 0x46, I32, u32, i32)
#define ATH_WASM_OTHER_COMPARE_OPS(B)                  \
    ATH_WASM_INTEGER_COMPARE_OPS(B, 0x51, I64, u64, i64) \
    ATH_WASM_FLOAT_COMPARE_OPS(B, 0x5B, F32, f32)        \
    ATH_WASM_FLOAT_COMPARE_OPS(B, 0x61, F64, f64)

#define ATH_WASM_BINARY_ARITHMETIC_OPS(B)                         \
    ATH_WASM_INTEGER_ARITHMETIC_OPS(B, 0x6A, I32, u32, i32, 32)   \
    ATH_WASM_INTEGER_ARITHMETIC_OPS(B, 0x7C, I64, u64, i64, 64)   \
    ATH_WASM_FLOAT_ARITHMETIC_OPS(B, 0x92, F32, f32)              \
    ATH_WASM_FLOAT_ARITHMETIC_OPS(B, 0xA0, F64, f64)

// The operations that i32 and i64 (f32 and f64) both have, at the same opcode distances from the
// width's first one: (B, first opcode, ValueType = name prefix, unsigned C type, signed C type,
// bits) for the integers, (B, first opcode, ValueType, C type) for the floats.
#define ATH_WASM_INTEGER_COMPARE_OPS(B, first, T, C, S)                                               \
    B((first) + 0, T##Eq, I32, T, u32, C, r = a == b;)                                                 \
    B((first) + 1, T##Ne, I32, T, u32, C, r = a != b;)                                                 \
    B((first) + 2, T##LtS, I32, T, u32, C, r = static_cast<S>(a) < static_cast<S>(b);)                 \
    B((first) + 3, T##LtU, I32, T, u32, C, r = a < b;)                                                 \
    B((first) + 4, T##GtS, I32, T, u32, C, r = static_cast<S>(a) > static_cast<S>(b);)                 \
    B((first) + 5, T##GtU, I32, T, u32, C, r = a > b;)                                                 \
    B((first) + 6, T##LeS, I32, T, u32, C, r = static_cast<S>(a) <= static_cast<S>(b);)                \
    B((first) + 7, T##LeU, I32, T, u32, C, r = a <= b;)                                                \
    B((first) + 8, T##GeS, I32, T, u32, C, r = static_cast<S>(a) >= static_cast<S>(b);)                \
    B((first) + 9, T##GeU, I32, T, u32, C, r = a >= b;)
#define ATH_WASM_FLOAT_COMPARE_OPS(B, first, T, C) \
    B((first) + 0, T##Eq, I32, T, u32, C, r = a == b;) \
    B((first) + 1, T##Ne, I32, T, u32, C, r = a != b;) \
    B((first) + 2, T##Lt, I32, T, u32, C, r = a < b;)  \
    B((first) + 3, T##Gt, I32, T, u32, C, r = a > b;)  \
    B((first) + 4, T##Le, I32, T, u32, C, r = a <= b;) \
    B((first) + 5, T##Ge, I32, T, u32, C, r = a >= b;)
#define ATH_WASM_INTEGER_ARITHMETIC_OPS(B, first, T, C, S, bits)                                      \
    B((first) + 0x0, T##Add, T, T, C, C, r = a + b;)                                                    \
    B((first) + 0x1, T##Sub, T, T, C, C, r = a - b;)                                                    \
    B((first) + 0x2, T##Mul, T, T, C, C, r = a * b;)                                                    \
    B((first) + 0x3, T##DivS, T, T, C, C,                                                               \
        if (b == 0) TRAP(IntegerDivideByZero);                                                          \
        if (a == C(1) << ((bits) - 1) && b == C(~C(0))) TRAP(IntegerOverflow);                          \
        r = static_cast<C>(static_cast<S>(a) / static_cast<S>(b));)                                     \
    B((first) + 0x4, T##DivU, T, T, C, C, if (b == 0) TRAP(IntegerDivideByZero); r = a / b;)            \
    B((first) + 0x5, T##RemS, T, T, C, C,                                                               \
        if (b == 0) TRAP(IntegerDivideByZero);                                                          \
        r = b == C(~C(0)) ? 0 : static_cast<C>(static_cast<S>(a) % static_cast<S>(b));)                 \
    B((first) + 0x6, T##RemU, T, T, C, C, if (b == 0) TRAP(IntegerDivideByZero); r = a % b;)            \
    B((first) + 0x7, T##And, T, T, C, C, r = a & b;)                                                    \
    B((first) + 0x8, T##Or, T, T, C, C, r = a | b;)                                                     \
    B((first) + 0x9, T##Xor, T, T, C, C, r = a ^ b;)                                                    \
    B((first) + 0xA, T##Shl, T, T, C, C, r = a << (b & ((bits) - 1));)                                  \
    B((first) + 0xB, T##ShrS, T, T, C, C, r = static_cast<C>(static_cast<S>(a) >> (b & ((bits) - 1)));) \
    B((first) + 0xC, T##ShrU, T, T, C, C, r = a >> (b & ((bits) - 1));)                                 \
    B((first) + 0xD, T##Rotl, T, T, C, C, r = rotate_left(a, static_cast<unsigned>(b & ((bits) - 1)));) \
    B((first) + 0xE, T##Rotr, T, T, C, C, r = rotate_right(a, static_cast<unsigned>(b & ((bits) - 1)));)
#define ATH_WASM_FLOAT_ARITHMETIC_OPS(B, first, T, C)     \
    B((first) + 0, T##Add, T, T, C, C, r = a + b;)          \
    B((first) + 1, T##Sub, T, T, C, C, r = a - b;)          \
    B((first) + 2, T##Mul, T, T, C, C, r = a * b;)          \
    B((first) + 3, T##Div, T, T, C, C, r = a / b;)          \
    B((first) + 4, T##Min, T, T, C, C, r = wasm_min(a, b);) \
    B((first) + 5, T##Max, T, T, C, C, r = wasm_max(a, b);) \
    B((first) + 6, T##Copysign, T, T, C, C, r = copy_sign(a, b);)

// Unary operations both widths have: (U, first opcode, ValueType = name prefix, C type, bits) for
// the integers, (U, first opcode, ValueType, C type, its bits as an unsigned type, square root).
#define ATH_WASM_INTEGER_UNARY_OPS(U, first, T, C, bits)                                  \
    U((first) + 0, T##Clz, T, T, C, C, r = a == 0 ? (bits) : count_leading_zeros(a);)    \
    U((first) + 1, T##Ctz, T, T, C, C, r = a == 0 ? (bits) : count_trailing_zeros(a);)   \
    U((first) + 2, T##Popcnt, T, T, C, C, r = popcount(a);)
#define ATH_WASM_FLOAT_UNARY_OPS(U, first, T, F, B, square_root)                          \
    U((first) + 0, T##Abs, T, T, F, F, r = float_abs(a);)                                 \
    U((first) + 1, T##Neg, T, T, B, B, r = a ^ (B(1) << (sizeof(B) * 8 - 1));)            \
    U((first) + 2, T##Ceil, T, T, F, F, r = wasm_ceil(a);)                                \
    U((first) + 3, T##Floor, T, T, F, F, r = wasm_floor(a);)                              \
    U((first) + 4, T##Trunc, T, T, F, F, r = wasm_trunc(a);)                              \
    U((first) + 5, T##Nearest, T, T, F, F, r = wasm_nearest(a);)                          \
    U((first) + 6, T##Sqrt, T, T, F, F, r = square_root(a);)

#define ATH_WASM_TRUNC(I, F, Name) \
    if (is_nan(a)) TRAP(InvalidConversionToInteger); \
    if (!truncation_in_range<I, F>(a)) TRAP(IntegerOverflow); \
    r = static_cast<decltype(r)>(static_cast<I>(a));

#define ATH_WASM_UNARY_OPS(U)                                                                                 \
    U(0x45, I32Eqz, I32, I32, u32, u32, r = a == 0;)                                                          \
    U(0x50, I64Eqz, I32, I64, u32, u64, r = a == 0;)                                                          \
    ATH_WASM_INTEGER_UNARY_OPS(U, 0x67, I32, u32, 32)                                                         \
    ATH_WASM_INTEGER_UNARY_OPS(U, 0x79, I64, u64, 64)                                                         \
    ATH_WASM_FLOAT_UNARY_OPS(U, 0x8B, F32, f32, u32, __builtin_sqrtf)                                         \
    ATH_WASM_FLOAT_UNARY_OPS(U, 0x99, F64, f64, u64, __builtin_sqrt)                                          \
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
