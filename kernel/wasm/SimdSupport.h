#pragma once
// Lane helpers for the SIMD handlers (SIMD128 not implemented yet).
