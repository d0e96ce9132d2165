# Athanor for aarch64: freestanding clang-19 + ld.lld-19, higher-half kernel in TTBR1.
#
# Floating point and Advanced SIMD stay enabled (the Wasm engine needs f32/f64 and SIMD128): the
# exception entry saves q0-q31, FPCR and FPSR, so interrupted code never sees them change.
# The small code model is enough: adrp reaches +-4 GiB from the PC and the whole image lives in the
# top 2 GiB. x18 is reserved (platform register) so the code stays valid if it ever becomes one.
set(AZOTH_ARCH aarch64)
set(AZOTH_KERNEL_TARGET aarch64-unknown-none-elf)
set(AZOTH_ARCH_FLAGS "-mcpu=cortex-a72 -ffixed-x18")
set(AZOTH_ARCH_ASM_FLAGS "-mcpu=cortex-a72")
include(${CMAKE_CURRENT_LIST_DIR}/FreestandingKernel.cmake)
