# The riscv64 hand-off probe: RV64IMAC, soft-float ABI, medany code model, no linker relaxation.
set(AZOTH_PROBE_TARGET riscv64-unknown-none-elf)
set(AZOTH_PROBE_ARCH_FLAGS -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax)
include(${CMAKE_CURRENT_SOURCE_DIR}/probe/probe.cmake)
