#pragma once

// SIMD128 (0xFD prefix) instructions with a uniform shape, listed once for the validator (types) and
// the interpreter (bodies, in terms of SimdSupport.h; operands a, b are simd::V, n a u32 count).
//   BINARY: v128 v128 -> v128      UNARY: v128 -> v128
//   SHIFT:  v128 i32 -> v128       TEST:  v128 -> i32
// Instructions with immediates or memory operands are the SPECIAL ones, handled one by one.

// The lane-wise comparisons each lane shape has, at the same sub-opcode distances from its first:
// (X, first sub-opcode, shape = name prefix, signed and unsigned lane types / the float lane type).
#define ATH_WASM_SIMD_INTEGER_COMPARE_OPS(X, first, Shape, S, U)            \
    X((first) + 0, Shape##Eq, compare<S>(a, b, [](S x, S y) { return x == y; }))  \
    X((first) + 1, Shape##Ne, compare<S>(a, b, [](S x, S y) { return x != y; }))  \
    X((first) + 2, Shape##LtS, compare<S>(a, b, [](S x, S y) { return x < y; }))  \
    X((first) + 3, Shape##LtU, compare<U>(a, b, [](U x, U y) { return x < y; }))  \
    X((first) + 4, Shape##GtS, compare<S>(a, b, [](S x, S y) { return x > y; }))  \
    X((first) + 5, Shape##GtU, compare<U>(a, b, [](U x, U y) { return x > y; }))  \
    X((first) + 6, Shape##LeS, compare<S>(a, b, [](S x, S y) { return x <= y; })) \
    X((first) + 7, Shape##LeU, compare<U>(a, b, [](U x, U y) { return x <= y; })) \
    X((first) + 8, Shape##GeS, compare<S>(a, b, [](S x, S y) { return x >= y; })) \
    X((first) + 9, Shape##GeU, compare<U>(a, b, [](U x, U y) { return x >= y; }))
#define ATH_WASM_SIMD_FLOAT_COMPARE_OPS(X, first, Shape, F)                 \
    X((first) + 0, Shape##Eq, compare<F>(a, b, [](F x, F y) { return x == y; })) \
    X((first) + 1, Shape##Ne, compare<F>(a, b, [](F x, F y) { return x != y; })) \
    X((first) + 2, Shape##Lt, compare<F>(a, b, [](F x, F y) { return x < y; }))  \
    X((first) + 3, Shape##Gt, compare<F>(a, b, [](F x, F y) { return x > y; }))  \
    X((first) + 4, Shape##Le, compare<F>(a, b, [](F x, F y) { return x <= y; })) \
    X((first) + 5, Shape##Ge, compare<F>(a, b, [](F x, F y) { return x >= y; }))

#define ATH_WASM_SIMD_BINARY_OPS(X)                                                                             \
    X(14, I8x16Swizzle, swizzle(a, b))                                                                          \
    ATH_WASM_SIMD_INTEGER_COMPARE_OPS(X, 35, I8x16, i8, u8)                                                      \
    ATH_WASM_SIMD_INTEGER_COMPARE_OPS(X, 45, I16x8, i16, u16)                                                    \
    ATH_WASM_SIMD_INTEGER_COMPARE_OPS(X, 55, I32x4, i32, u32)                                                    \
    ATH_WASM_SIMD_FLOAT_COMPARE_OPS(X, 65, F32x4, f32)                                                           \
    ATH_WASM_SIMD_FLOAT_COMPARE_OPS(X, 71, F64x2, f64)                                                           \
    X(78, V128And, map<u64>(a, b, [](u64 x, u64 y) { return x & y; }))                                          \
    X(79, V128AndNot, map<u64>(a, b, [](u64 x, u64 y) { return x & ~y; }))                                     \
    X(80, V128Or, map<u64>(a, b, [](u64 x, u64 y) { return x | y; }))                                           \
    X(81, V128Xor, map<u64>(a, b, [](u64 x, u64 y) { return x ^ y; }))                                          \
    X(101, I8x16NarrowI16x8S, (narrow<i16, i8>(a, b)))                                                          \
    X(102, I8x16NarrowI16x8U, (narrow<i16, u8>(a, b)))                                                          \
    X(110, I8x16Add, map<i8>(a, b, wrapping_add<i8>))                                                           \
    X(111, I8x16AddSatS, map<i8>(a, b, [](i8 x, i8 y) { return saturate<i8>(static_cast<i64>(x) + y); }))      \
    X(112, I8x16AddSatU, map<u8>(a, b, [](u8 x, u8 y) { return saturate<u8>(static_cast<i64>(x) + y); }))      \
    X(113, I8x16Sub, map<i8>(a, b, wrapping_sub<i8>))                                                           \
    X(114, I8x16SubSatS, map<i8>(a, b, [](i8 x, i8 y) { return saturate<i8>(static_cast<i64>(x) - y); }))      \
    X(115, I8x16SubSatU, map<u8>(a, b, [](u8 x, u8 y) { return saturate<u8>(static_cast<i64>(x) - y); }))      \
    X(118, I8x16MinS, map<i8>(a, b, [](i8 x, i8 y) { return min(x, y); }))                                     \
    X(119, I8x16MinU, map<u8>(a, b, [](u8 x, u8 y) { return min(x, y); }))                                     \
    X(120, I8x16MaxS, map<i8>(a, b, [](i8 x, i8 y) { return max(x, y); }))                                     \
    X(121, I8x16MaxU, map<u8>(a, b, [](u8 x, u8 y) { return max(x, y); }))                                     \
    X(123, I8x16AvgrU, map<u8>(a, b, rounding_average<u8>))                                                     \
    X(130, I16x8Q15MulrSatS, map<i16>(a, b, q15_multiply))                                                      \
    X(133, I16x8NarrowI32x4S, (narrow<i32, i16>(a, b)))                                                         \
    X(134, I16x8NarrowI32x4U, (narrow<i32, u16>(a, b)))                                                         \
    X(142, I16x8Add, map<i16>(a, b, wrapping_add<i16>))                                                         \
    X(143, I16x8AddSatS, map<i16>(a, b, [](i16 x, i16 y) { return saturate<i16>(static_cast<i64>(x) + y); }))  \
    X(144, I16x8AddSatU, map<u16>(a, b, [](u16 x, u16 y) { return saturate<u16>(static_cast<i64>(x) + y); }))  \
    X(145, I16x8Sub, map<i16>(a, b, wrapping_sub<i16>))                                                         \
    X(146, I16x8SubSatS, map<i16>(a, b, [](i16 x, i16 y) { return saturate<i16>(static_cast<i64>(x) - y); }))  \
    X(147, I16x8SubSatU, map<u16>(a, b, [](u16 x, u16 y) { return saturate<u16>(static_cast<i64>(x) - y); }))  \
    X(149, I16x8Mul, map<i16>(a, b, wrapping_mul<i16>))                                                         \
    X(150, I16x8MinS, map<i16>(a, b, [](i16 x, i16 y) { return min(x, y); }))                                  \
    X(151, I16x8MinU, map<u16>(a, b, [](u16 x, u16 y) { return min(x, y); }))                                  \
    X(152, I16x8MaxS, map<i16>(a, b, [](i16 x, i16 y) { return max(x, y); }))                                  \
    X(153, I16x8MaxU, map<u16>(a, b, [](u16 x, u16 y) { return max(x, y); }))                                  \
    X(155, I16x8AvgrU, map<u16>(a, b, rounding_average<u16>))                                                   \
    X(156, I16x8ExtmulLowI8x16S, (extend_multiply<i8, i16>(a, b, 0)))                                           \
    X(157, I16x8ExtmulHighI8x16S, (extend_multiply<i8, i16>(a, b, 8)))                                          \
    X(158, I16x8ExtmulLowI8x16U, (extend_multiply<u8, u16>(a, b, 0)))                                           \
    X(159, I16x8ExtmulHighI8x16U, (extend_multiply<u8, u16>(a, b, 8)))                                          \
    X(174, I32x4Add, map<i32>(a, b, wrapping_add<i32>))                                                         \
    X(177, I32x4Sub, map<i32>(a, b, wrapping_sub<i32>))                                                         \
    X(181, I32x4Mul, map<i32>(a, b, wrapping_mul<i32>))                                                         \
    X(182, I32x4MinS, map<i32>(a, b, [](i32 x, i32 y) { return min(x, y); }))                                  \
    X(183, I32x4MinU, map<u32>(a, b, [](u32 x, u32 y) { return min(x, y); }))                                  \
    X(184, I32x4MaxS, map<i32>(a, b, [](i32 x, i32 y) { return max(x, y); }))                                  \
    X(185, I32x4MaxU, map<u32>(a, b, [](u32 x, u32 y) { return max(x, y); }))                                  \
    X(186, I32x4DotI16x8S, dot_i16(a, b))                                                                       \
    X(188, I32x4ExtmulLowI16x8S, (extend_multiply<i16, i32>(a, b, 0)))                                          \
    X(189, I32x4ExtmulHighI16x8S, (extend_multiply<i16, i32>(a, b, 4)))                                         \
    X(190, I32x4ExtmulLowI16x8U, (extend_multiply<u16, u32>(a, b, 0)))                                          \
    X(191, I32x4ExtmulHighI16x8U, (extend_multiply<u16, u32>(a, b, 4)))                                         \
    X(206, I64x2Add, map<i64>(a, b, wrapping_add<i64>))                                                         \
    X(209, I64x2Sub, map<i64>(a, b, wrapping_sub<i64>))                                                         \
    X(213, I64x2Mul, map<i64>(a, b, wrapping_mul<i64>))                                                         \
    X(214, I64x2Eq, compare<i64>(a, b, [](i64 x, i64 y) { return x == y; }))                                    \
    X(215, I64x2Ne, compare<i64>(a, b, [](i64 x, i64 y) { return x != y; }))                                    \
    X(216, I64x2LtS, compare<i64>(a, b, [](i64 x, i64 y) { return x < y; }))                                    \
    X(217, I64x2GtS, compare<i64>(a, b, [](i64 x, i64 y) { return x > y; }))                                    \
    X(218, I64x2LeS, compare<i64>(a, b, [](i64 x, i64 y) { return x <= y; }))                                   \
    X(219, I64x2GeS, compare<i64>(a, b, [](i64 x, i64 y) { return x >= y; }))                                   \
    X(220, I64x2ExtmulLowI32x4S, (extend_multiply<i32, i64>(a, b, 0)))                                          \
    X(221, I64x2ExtmulHighI32x4S, (extend_multiply<i32, i64>(a, b, 2)))                                         \
    X(222, I64x2ExtmulLowI32x4U, (extend_multiply<u32, u64>(a, b, 0)))                                          \
    X(223, I64x2ExtmulHighI32x4U, (extend_multiply<u32, u64>(a, b, 2)))                                         \
    X(228, F32x4Add, map<f32>(a, b, [](f32 x, f32 y) { return x + y; }))                                        \
    X(229, F32x4Sub, map<f32>(a, b, [](f32 x, f32 y) { return x - y; }))                                        \
    X(230, F32x4Mul, map<f32>(a, b, [](f32 x, f32 y) { return x * y; }))                                        \
    X(231, F32x4Div, map<f32>(a, b, [](f32 x, f32 y) { return x / y; }))                                        \
    X(232, F32x4Min, map<f32>(a, b, wasm_min<f32>))                                                             \
    X(233, F32x4Max, map<f32>(a, b, wasm_max<f32>))                                                             \
    X(234, F32x4Pmin, map<f32>(a, b, pseudo_min<f32>))                                                          \
    X(235, F32x4Pmax, map<f32>(a, b, pseudo_max<f32>))                                                          \
    X(240, F64x2Add, map<f64>(a, b, [](f64 x, f64 y) { return x + y; }))                                        \
    X(241, F64x2Sub, map<f64>(a, b, [](f64 x, f64 y) { return x - y; }))                                        \
    X(242, F64x2Mul, map<f64>(a, b, [](f64 x, f64 y) { return x * y; }))                                        \
    X(243, F64x2Div, map<f64>(a, b, [](f64 x, f64 y) { return x / y; }))                                        \
    X(244, F64x2Min, map<f64>(a, b, wasm_min<f64>))                                                             \
    X(245, F64x2Max, map<f64>(a, b, wasm_max<f64>))                                                             \
    X(246, F64x2Pmin, map<f64>(a, b, pseudo_min<f64>))                                                          \
    X(247, F64x2Pmax, map<f64>(a, b, pseudo_max<f64>))

#define ATH_WASM_SIMD_UNARY_OPS(X)                                                                     \
    X(77, V128Not, map<u64>(a, [](u64 x) { return ~x; }))                                              \
    X(94, F32x4DemoteF64x2Zero, (convert<f32, f64>(a, 2)))                                             \
    X(95, F64x2PromoteLowF32x4, (convert<f64, f32>(a, 2)))                                             \
    X(96, I8x16Abs, map<i8>(a, wrapping_abs<i8>))                                                      \
    X(97, I8x16Neg, map<i8>(a, wrapping_neg<i8>))                                                      \
    X(98, I8x16Popcnt, map<u8>(a, byte_popcount))                                                      \
    X(103, F32x4Ceil, map<f32>(a, wasm_ceil<f32>))                                                     \
    X(104, F32x4Floor, map<f32>(a, wasm_floor<f32>))                                                   \
    X(105, F32x4Trunc, map<f32>(a, wasm_trunc<f32>))                                                   \
    X(106, F32x4Nearest, map<f32>(a, wasm_nearest<f32>))                                               \
    X(116, F64x2Ceil, map<f64>(a, wasm_ceil<f64>))                                                     \
    X(117, F64x2Floor, map<f64>(a, wasm_floor<f64>))                                                   \
    X(122, F64x2Trunc, map<f64>(a, wasm_trunc<f64>))                                                   \
    X(124, I16x8ExtaddPairwiseI8x16S, (extend_add_pairwise<i8, i16>(a)))                               \
    X(125, I16x8ExtaddPairwiseI8x16U, (extend_add_pairwise<u8, u16>(a)))                               \
    X(126, I32x4ExtaddPairwiseI16x8S, (extend_add_pairwise<i16, i32>(a)))                              \
    X(127, I32x4ExtaddPairwiseI16x8U, (extend_add_pairwise<u16, u32>(a)))                              \
    X(128, I16x8Abs, map<i16>(a, wrapping_abs<i16>))                                                   \
    X(129, I16x8Neg, map<i16>(a, wrapping_neg<i16>))                                                   \
    X(135, I16x8ExtendLowI8x16S, (extend<i8, i16>(a, 0)))                                              \
    X(136, I16x8ExtendHighI8x16S, (extend<i8, i16>(a, 8)))                                             \
    X(137, I16x8ExtendLowI8x16U, (extend<u8, u16>(a, 0)))                                              \
    X(138, I16x8ExtendHighI8x16U, (extend<u8, u16>(a, 8)))                                             \
    X(148, F64x2Nearest, map<f64>(a, wasm_nearest<f64>))                                               \
    X(160, I32x4Abs, map<i32>(a, wrapping_abs<i32>))                                                   \
    X(161, I32x4Neg, map<i32>(a, wrapping_neg<i32>))                                                   \
    X(167, I32x4ExtendLowI16x8S, (extend<i16, i32>(a, 0)))                                             \
    X(168, I32x4ExtendHighI16x8S, (extend<i16, i32>(a, 4)))                                            \
    X(169, I32x4ExtendLowI16x8U, (extend<u16, u32>(a, 0)))                                             \
    X(170, I32x4ExtendHighI16x8U, (extend<u16, u32>(a, 4)))                                            \
    X(192, I64x2Abs, map<i64>(a, wrapping_abs<i64>))                                                   \
    X(193, I64x2Neg, map<i64>(a, wrapping_neg<i64>))                                                   \
    X(199, I64x2ExtendLowI32x4S, (extend<i32, i64>(a, 0)))                                             \
    X(200, I64x2ExtendHighI32x4S, (extend<i32, i64>(a, 2)))                                            \
    X(201, I64x2ExtendLowI32x4U, (extend<u32, u64>(a, 0)))                                             \
    X(202, I64x2ExtendHighI32x4U, (extend<u32, u64>(a, 2)))                                            \
    X(224, F32x4Abs, map<u32>(a, [](u32 x) { return x & 0x7FFFFFFFu; }))                               \
    X(225, F32x4Neg, map<u32>(a, [](u32 x) { return x ^ 0x80000000u; }))                              \
    X(227, F32x4Sqrt, map<f32>(a, [](f32 x) { return __builtin_sqrtf(x); }))                           \
    X(236, F64x2Abs, map<u64>(a, [](u64 x) { return x & 0x7FFFFFFFFFFFFFFFull; }))                    \
    X(237, F64x2Neg, map<u64>(a, [](u64 x) { return x ^ 0x8000000000000000ull; }))                    \
    X(239, F64x2Sqrt, map<f64>(a, [](f64 x) { return __builtin_sqrt(x); }))                            \
    X(248, I32x4TruncSatF32x4S, (truncate_saturating<i32, f32>(a, 4)))                                 \
    X(249, I32x4TruncSatF32x4U, (truncate_saturating<u32, f32>(a, 4)))                                 \
    X(250, F32x4ConvertI32x4S, (convert<f32, i32>(a, 4)))                                              \
    X(251, F32x4ConvertI32x4U, (convert<f32, u32>(a, 4)))                                              \
    X(252, I32x4TruncSatF64x2SZero, (truncate_saturating<i32, f64>(a, 2)))                             \
    X(253, I32x4TruncSatF64x2UZero, (truncate_saturating<u32, f64>(a, 2)))                             \
    X(254, F64x2ConvertLowI32x4S, (convert<f64, i32>(a, 2)))                                           \
    X(255, F64x2ConvertLowI32x4U, (convert<f64, u32>(a, 2)))

#define ATH_WASM_SIMD_SHIFT_OPS(X)                  \
    X(107, I8x16Shl, shift_left<i8>(a, n))          \
    X(108, I8x16ShrS, shift_right<i8>(a, n))        \
    X(109, I8x16ShrU, shift_right<u8>(a, n))        \
    X(139, I16x8Shl, shift_left<i16>(a, n))         \
    X(140, I16x8ShrS, shift_right<i16>(a, n))       \
    X(141, I16x8ShrU, shift_right<u16>(a, n))       \
    X(171, I32x4Shl, shift_left<i32>(a, n))         \
    X(172, I32x4ShrS, shift_right<i32>(a, n))       \
    X(173, I32x4ShrU, shift_right<u32>(a, n))       \
    X(203, I64x2Shl, shift_left<i64>(a, n))         \
    X(204, I64x2ShrS, shift_right<i64>(a, n))       \
    X(205, I64x2ShrU, shift_right<u64>(a, n))

#define ATH_WASM_SIMD_TEST_OPS(X)                                                          \
    X(83, V128AnyTrue, (get<u64>(a, 0) | get<u64>(a, 1)) != 0)                             \
    X(99, I8x16AllTrue, all_true<u8>(a))                                                   \
    X(100, I8x16Bitmask, bitmask<i8>(a))                                                   \
    X(131, I16x8AllTrue, all_true<u16>(a))                                                 \
    X(132, I16x8Bitmask, bitmask<i16>(a))                                                  \
    X(163, I32x4AllTrue, all_true<u32>(a))                                                 \
    X(164, I32x4Bitmask, bitmask<i32>(a))                                                  \
    X(195, I64x2AllTrue, all_true<u64>(a))                                                 \
    X(196, I64x2Bitmask, bitmask<i64>(a))

#define ATH_WASM_SIMD_OPS(X)       \
    ATH_WASM_SIMD_BINARY_OPS(X)    \
    ATH_WASM_SIMD_UNARY_OPS(X)     \
    ATH_WASM_SIMD_SHIFT_OPS(X)     \
    ATH_WASM_SIMD_TEST_OPS(X)

// Memory: (sub-opcode, Name, natural alignment log2). Loads {offset}; lane forms {offset, lane}.
#define ATH_WASM_SIMD_MEMORY_OPS(X)  \
    X(0, V128Load, 4)                \
    X(1, V128Load8x8S, 3)            \
    X(2, V128Load8x8U, 3)            \
    X(3, V128Load16x4S, 3)           \
    X(4, V128Load16x4U, 3)           \
    X(5, V128Load32x2S, 3)           \
    X(6, V128Load32x2U, 3)           \
    X(7, V128Load8Splat, 0)          \
    X(8, V128Load16Splat, 1)         \
    X(9, V128Load32Splat, 2)         \
    X(10, V128Load64Splat, 3)        \
    X(11, V128Store, 4)              \
    X(92, V128Load32Zero, 2)         \
    X(93, V128Load64Zero, 3)         \
    X(84, V128Load8Lane, 0)          \
    X(85, V128Load16Lane, 1)         \
    X(86, V128Load32Lane, 2)         \
    X(87, V128Load64Lane, 3)         \
    X(88, V128Store8Lane, 0)         \
    X(89, V128Store16Lane, 1)        \
    X(90, V128Store32Lane, 2)        \
    X(91, V128Store64Lane, 3)

// Lane access: (sub-opcode, Name, scalar ValueType, lane C type, lane count).
#define ATH_WASM_SIMD_SPLAT_OPS(X)      \
    X(15, I8x16Splat, I32, u8, 16)      \
    X(16, I16x8Splat, I32, u16, 8)      \
    X(17, I32x4Splat, I32, u32, 4)      \
    X(18, I64x2Splat, I64, u64, 2)      \
    X(19, F32x4Splat, F32, u32, 4)      \
    X(20, F64x2Splat, F64, u64, 2)
#define ATH_WASM_SIMD_EXTRACT_OPS(X)            \
    X(21, I8x16ExtractLaneS, I32, i8, 16)       \
    X(22, I8x16ExtractLaneU, I32, u8, 16)       \
    X(24, I16x8ExtractLaneS, I32, i16, 8)       \
    X(25, I16x8ExtractLaneU, I32, u16, 8)       \
    X(27, I32x4ExtractLane, I32, u32, 4)        \
    X(29, I64x2ExtractLane, I64, u64, 2)        \
    X(31, F32x4ExtractLane, F32, u32, 4)        \
    X(33, F64x2ExtractLane, F64, u64, 2)
#define ATH_WASM_SIMD_REPLACE_OPS(X)            \
    X(23, I8x16ReplaceLane, I32, u8, 16)        \
    X(26, I16x8ReplaceLane, I32, u16, 8)        \
    X(28, I32x4ReplaceLane, I32, u32, 4)        \
    X(30, I64x2ReplaceLane, I64, u64, 2)        \
    X(32, F32x4ReplaceLane, F32, u32, 4)        \
    X(34, F64x2ReplaceLane, F64, u64, 2)

#define ATH_WASM_SIMD_SPECIAL_OPS(X) X(I8x16Shuffle) X(V128Bitselect)

// Every SIMD operation that takes its name from a list (for the Op enum and the handler table).
#define ATH_WASM_SIMD_LISTED_OPS(X)  \
    ATH_WASM_SIMD_OPS(X)             \
    ATH_WASM_SIMD_MEMORY_OPS(X)      \
    ATH_WASM_SIMD_SPLAT_OPS(X)       \
    ATH_WASM_SIMD_EXTRACT_OPS(X)     \
    ATH_WASM_SIMD_REPLACE_OPS(X)
