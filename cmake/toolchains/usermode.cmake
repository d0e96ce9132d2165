# Athanor as a Linux x86_64 process (`./azoth run --arch hosted`): the same freestanding kernel,
# no libc (raw system calls, kernel/arch/usermode/Linux.h), a static executable at 1 GiB with the
# kernel's windows moved into the user half (ATH_KERNEL_HALF_BASE, boot/BootInfo.h).
set(AZOTH_ARCH usermode)
set(AZOTH_KERNEL_TARGET x86_64-unknown-none-elf)
set(AZOTH_ARCH_FLAGS "-mno-red-zone -mcmodel=small -DATH_KERNEL_HALF_BASE=0x100000000000ULL")
set(AZOTH_ARCH_ASM_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/FreestandingKernel.cmake)
