# x86_64 specifics of the UEFI applications: PE32+ for x64, named as the removable-media default.
set(AZOTH_UEFI_TARGET x86_64-unknown-windows)
set(AZOTH_UEFI_MACHINE x64)
set(AZOTH_UEFI_BOOT_NAME BOOTX64.EFI)
set(AZOTH_UEFI_ARCH_FLAGS -mno-red-zone -mno-stack-arg-probe)
set(AZOTH_UEFI_ARCH_SOURCES arch/x86_64/Cpu.cpp)
