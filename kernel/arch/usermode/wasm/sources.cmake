# The usermode port runs on x86_64: it compiles Wasm with the x86_64 port's compiler.
include(${PROJECT_SOURCE_DIR}/kernel/arch/x86_64/wasm/sources.cmake)
