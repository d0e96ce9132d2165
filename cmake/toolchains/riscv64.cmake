# Athanor for riscv64: freestanding clang-19 + ld.lld-19, higher-half kernel (Sv48), S-mode.
#
# F/D floating point is enabled (rv64gc, lp64d: the Wasm engine needs f32/f64): the trap entry
# saves f0-f31 and fcsr. medany: PC-relative addressing within +-2 GiB, enough for an image in the
# top 2 GiB. -mno-relax: no linker relaxation (no global-pointer setup in the kernel).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(AZOTH_ARCH riscv64 CACHE STRING "Target architecture" FORCE)

set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_ASM_COMPILER clang-19)
set(AZOTH_KERNEL_TARGET riscv64-unknown-none-elf)
set(CMAKE_C_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_ASM_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(AZOTH_KERNEL_FLAGS
    "-ffreestanding -nostdlib -fno-stack-protector -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax -fno-pic -fno-pie \
-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-exceptions -fno-asynchronous-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${AZOTH_KERNEL_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${AZOTH_KERNEL_FLAGS} -fno-rtti -fno-threadsafe-statics -nostdinc++")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic -march=rv64gc -mabi=lp64d -mno-relax")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -fuse-ld=lld -Wl,-z,max-page-size=4096 -Wl,--no-dynamic-linker")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
