#pragma once

// SIMD128 instruction list (0xFD prefix). Filled in by the SIMD work.
#define ATH_WASM_SIMD_OPS(X)
#define ATH_WASM_SIMD_SPECIAL_OPS(X)
