# The multiboot2 entry (GRUB on legacy BIOS; kernel/arch/x86_64/multiboot2), included by
# kernel/CMakeLists.txt: besides its own files it compiles the UEFI loader's address-space builder
# and CPU hand-off (boot/uefi), so both entries build the kernel's first address space and enter it
# with one piece of code.
set(multiboot2_dir ${CMAKE_CURRENT_LIST_DIR})
set(loader_dir ${PROJECT_SOURCE_DIR}/boot/uefi)
set(multiboot2_sources
    ${multiboot2_dir}/Entry.S
    ${multiboot2_dir}/BootInformation.cpp
    ${multiboot2_dir}/Stage.cpp
    ${loader_dir}/AddressSpace.cpp
    ${loader_dir}/arch/x86_64/Cpu.cpp)
list(APPEND ARCH_SOURCES ${multiboot2_sources})
# The loader's files find their arch's Cpu.h and Paging.h through the include path.
set_source_files_properties(${multiboot2_dir}/Stage.cpp ${loader_dir}/AddressSpace.cpp ${loader_dir}/arch/x86_64/Cpu.cpp
    PROPERTIES INCLUDE_DIRECTORIES ${loader_dir}/arch/x86_64)
