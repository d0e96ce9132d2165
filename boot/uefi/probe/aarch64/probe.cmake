# The aarch64 hand-off probe: no FP/SIMD registers.
set(AZOTH_PROBE_TARGET aarch64-unknown-none-elf)
set(AZOTH_PROBE_ARCH_FLAGS -mgeneral-regs-only)
include(${CMAKE_CURRENT_SOURCE_DIR}/probe/probe.cmake)
