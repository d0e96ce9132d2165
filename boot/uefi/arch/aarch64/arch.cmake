# aarch64 specifics of the UEFI applications: PE32+ for ARM64, named as the removable-media default.
# -mstrict-align: the loader may run with the MMU off for a moment (enter_kernel), when every
# access is Device memory and must be aligned.
set(AZOTH_UEFI_TARGET aarch64-unknown-windows)
set(AZOTH_UEFI_MACHINE arm64)
set(AZOTH_UEFI_BOOT_NAME BOOTAA64.EFI)
set(AZOTH_UEFI_ARCH_FLAGS -mstrict-align)
set(AZOTH_UEFI_ARCH_SOURCES arch/aarch64/Cpu.cpp)
