# Athanor for riscv64: freestanding clang-19 + ld.lld-19, higher-half kernel (Sv48), S-mode.
#
# F/D floating point is enabled (rv64gc, lp64d: the Wasm engine needs f32/f64): the trap entry
# saves f0-f31 and fcsr. medany: PC-relative addressing within +-2 GiB, enough for an image in the
# top 2 GiB. -mno-relax: no linker relaxation (no global-pointer setup in the kernel).
set(AZOTH_ARCH riscv64)
set(AZOTH_KERNEL_TARGET riscv64-unknown-none-elf)
set(AZOTH_ARCH_FLAGS "-march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax")
set(AZOTH_ARCH_ASM_FLAGS "-march=rv64gc -mabi=lp64d -mno-relax")
include(${CMAKE_CURRENT_LIST_DIR}/FreestandingKernel.cmake)
