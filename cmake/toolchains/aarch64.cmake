# Athanor for aarch64: freestanding clang-19 + ld.lld-19, higher-half kernel in TTBR1.
#
# Floating point and Advanced SIMD stay enabled (the Wasm engine needs f32/f64 and SIMD128): the
# exception entry saves q0-q31, FPCR and FPSR, so interrupted code never sees them change.
# The small code model is enough: adrp reaches +-4 GiB from the PC and the whole image lives in the
# top 2 GiB. x18 is reserved (platform register) so the code stays valid if it ever becomes one.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(AZOTH_ARCH aarch64 CACHE STRING "Target architecture" FORCE)

set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_ASM_COMPILER clang-19)
set(AZOTH_KERNEL_TARGET aarch64-unknown-none-elf)
set(CMAKE_C_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_ASM_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(AZOTH_KERNEL_FLAGS
    "-ffreestanding -nostdlib -fno-stack-protector -mcpu=cortex-a72 -ffixed-x18 -fno-pic -fno-pie \
-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-exceptions -fno-asynchronous-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${AZOTH_KERNEL_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${AZOTH_KERNEL_FLAGS} -fno-rtti -fno-threadsafe-statics -nostdinc++")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic -mcpu=cortex-a72")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -fuse-ld=lld -Wl,-z,max-page-size=4096 -Wl,--no-dynamic-linker")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
