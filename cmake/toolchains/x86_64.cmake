# Athanor for x86_64: freestanding clang-19 + ld.lld-19, higher-half kernel (-mcmodel=kernel).
#
# Floating point: the Wasm engine needs f32/f64 (and later SIMD128), so the kernel is compiled
# WITH SSE. The interrupt entry saves and restores the full FXSAVE area, so an interrupted
# computation never sees its XMM registers change. x87 is left to the compiler's defaults but the
# kernel never uses long double.
set(AZOTH_ARCH x86_64)
set(AZOTH_KERNEL_TARGET x86_64-unknown-none-elf)
set(AZOTH_ARCH_FLAGS "-mno-red-zone -mcmodel=kernel")
set(AZOTH_ARCH_ASM_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/FreestandingKernel.cmake)
