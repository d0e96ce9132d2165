# The x86_64 Wasm compiler in the booted kernel (the compiled tier, kernel/wasm/NativeTier.h),
# included by kernel/CMakeLists.txt for the x86_64 port and, through
# kernel/arch/usermode/wasm/sources.cmake, for the usermode port (an x86_64 machine too): it takes
# the place of kernel/wasm/NativeTierUnavailable.cpp.
set(ATH_WASM_COMPILER_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/Assembler.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Compiler.cpp)
