# The x86_64 hand-off probe: higher-half kernel code model, no red zone, no SSE.
set(AZOTH_PROBE_TARGET x86_64-unknown-none-elf)
set(AZOTH_PROBE_ARCH_FLAGS -mno-red-zone -mcmodel=kernel -mgeneral-regs-only)
include(${CMAKE_CURRENT_SOURCE_DIR}/probe/probe.cmake)
