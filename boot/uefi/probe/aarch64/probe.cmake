# Builds the aarch64 hand-off probe (an ELF "kernel" used by the loader's boot tests).
set(probe_source ${CMAKE_CURRENT_SOURCE_DIR}/probe/aarch64/HandoffProbe.cpp)
set(probe_script ${CMAKE_CURRENT_SOURCE_DIR}/probe/aarch64/probe.ld)
set(probe_object ${CMAKE_CURRENT_BINARY_DIR}/handoff-probe.o)
set(probe_elf ${CMAKE_CURRENT_BINARY_DIR}/handoff-probe.elf)
add_custom_command(OUTPUT ${probe_object}
    COMMAND ${AZOTH_UEFI_CXX} --target=aarch64-unknown-none-elf -std=c++20 -O2 -ffreestanding -fno-exceptions
            -fno-rtti -fno-stack-protector -fno-pic -mgeneral-regs-only -nostdinc++
            -fno-builtin -Wall -Wextra -Werror -I${PROJECT_SOURCE_DIR} -MD -MF ${probe_object}.d
            -c ${probe_source} -o ${probe_object}
    DEPENDS ${probe_source}
    DEPFILE ${probe_object}.d
    COMMENT "Hand-off probe (aarch64)"
    VERBATIM)
add_custom_command(OUTPUT ${probe_elf}
    COMMAND ${AZOTH_LD_LLD} -nostdlib -static -z max-page-size=4096 -T ${probe_script} -o ${probe_elf} ${probe_object}
    DEPENDS ${probe_object} ${probe_script}
    COMMENT "Linking the hand-off probe"
    VERBATIM)
add_custom_target(handoff_probe ALL DEPENDS ${probe_elf})
