# What the three kernel toolchains (x86_64.cmake, aarch64.cmake, riscv64.cmake) share: freestanding
# clang-19 + ld.lld-19 for AZOTH_KERNEL_TARGET, frame pointers everywhere (backtraces), no
# exceptions, RTTI or unwind tables. The including file sets AZOTH_ARCH, AZOTH_KERNEL_TARGET,
# AZOTH_ARCH_FLAGS (its code model, CPU and ABI flags) and AZOTH_ARCH_ASM_FLAGS first.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR ${AZOTH_ARCH})
set(AZOTH_ARCH ${AZOTH_ARCH} CACHE STRING "Target architecture" FORCE)

set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_ASM_COMPILER clang-19)
set(CMAKE_C_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_ASM_COMPILER_TARGET ${AZOTH_KERNEL_TARGET})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(AZOTH_KERNEL_FLAGS
    "-ffreestanding -nostdlib -fno-stack-protector ${AZOTH_ARCH_FLAGS} -fno-pic -fno-pie \
-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-exceptions -fno-asynchronous-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${AZOTH_KERNEL_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${AZOTH_KERNEL_FLAGS} -fno-rtti -fno-threadsafe-statics -nostdinc++")
string(STRIP "-fno-pic ${AZOTH_ARCH_ASM_FLAGS}" CMAKE_ASM_FLAGS_INIT)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -fuse-ld=lld -Wl,-z,max-page-size=4096 -Wl,--no-dynamic-linker")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
