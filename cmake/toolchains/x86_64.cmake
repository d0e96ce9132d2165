# Athanor for x86_64: freestanding clang-19 + ld.lld-19, higher-half kernel (-mcmodel=kernel).
#
# Floating point: the Wasm engine needs f32/f64 (and later SIMD128), so the kernel is compiled
# WITH SSE. The interrupt entry saves and restores the full FXSAVE area, so an interrupted
# computation never sees its XMM registers change. x87 is left to the compiler's defaults but the
# kernel never uses long double.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(AZOTH_ARCH x86_64 CACHE STRING "Target architecture" FORCE)

set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_ASM_COMPILER clang-19)
set(AZOTH_KERNEL_TARGET x86_64-unknown-none-elf)
set(CMAKE_C_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_ASM_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(AZOTH_KERNEL_FLAGS
    "-ffreestanding -nostdlib -fno-stack-protector -mno-red-zone -mcmodel=kernel -fno-pic -fno-pie \
-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-exceptions -fno-asynchronous-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${AZOTH_KERNEL_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${AZOTH_KERNEL_FLAGS} -fno-rtti -fno-threadsafe-statics -nostdinc++")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -fuse-ld=lld -Wl,-z,max-page-size=4096 -Wl,--no-dynamic-linker")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
