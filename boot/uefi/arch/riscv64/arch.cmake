# riscv64 specifics of the UEFI applications. Neither lld-link nor Debian's binutils write RISC-V
# PE/COFF, so the loader is compiled as position-independent ELF code, linked by ld.lld into a
# PIE at the image's future RVAs (uefi.ld), and elf-to-pe.py wraps that into a PE32+ with a base
# relocation table built from the R_RISCV_RELATIVE entries. The C++ sources are the same as on
# every arch.
set(AZOTH_UEFI_TARGET riscv64-unknown-elf)
set(AZOTH_UEFI_MACHINE riscv64)
set(AZOTH_UEFI_BOOT_NAME BOOTRISCV64.EFI)
set(AZOTH_UEFI_ARCH_FLAGS -march=rv64gc -mabi=lp64d -mcmodel=medany -fpie -fvisibility=hidden -mno-relax)
set(AZOTH_UEFI_ARCH_SOURCES arch/riscv64/Cpu.cpp)
set(AZOTH_UEFI_ELF_TO_PE ${CMAKE_CURRENT_LIST_DIR}/elf-to-pe.py)
set(AZOTH_UEFI_ELF_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/uefi.ld)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
