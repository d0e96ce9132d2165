# Builds the hand-off probe (an ELF "kernel" used by the loader's boot tests) from the shared
# checks (HandoffProbe.cpp) and the arch's side (<arch>/ProbeArch.cpp). The arch's probe.cmake
# sets AZOTH_PROBE_TARGET and AZOTH_PROBE_ARCH_FLAGS, then includes this file.
set(probe_dir ${CMAKE_CURRENT_SOURCE_DIR}/probe)
set(probe_script ${probe_dir}/probe.ld)
set(probe_elf ${CMAKE_CURRENT_BINARY_DIR}/handoff-probe.elf)
set(probe_objects)
foreach(probe_source ${probe_dir}/HandoffProbe.cpp ${probe_dir}/${AZOTH_ARCH}/ProbeArch.cpp)
    get_filename_component(probe_stem ${probe_source} NAME_WE)
    set(probe_object ${CMAKE_CURRENT_BINARY_DIR}/handoff-probe.${probe_stem}.o)
    set(probe_command ${AZOTH_UEFI_CXX} --target=${AZOTH_PROBE_TARGET} -std=c++20 -O2 -ffreestanding -fno-exceptions
        -fno-rtti -fno-stack-protector -fno-pic -nostdinc++ ${AZOTH_PROBE_ARCH_FLAGS}
        -fno-builtin -Wall -Wextra -Werror -I${PROJECT_SOURCE_DIR})
    azoth_record_compile_command(${probe_source} ${probe_command} -c ${probe_source} -o ${probe_object})
    add_custom_command(OUTPUT ${probe_object}
        COMMAND ${probe_command} -MD -MF ${probe_object}.d -c ${probe_source} -o ${probe_object}
        DEPENDS ${probe_source}
        DEPFILE ${probe_object}.d
        COMMENT "Hand-off probe (${AZOTH_ARCH}): ${probe_stem}"
        VERBATIM)
    list(APPEND probe_objects ${probe_object})
endforeach()
add_custom_command(OUTPUT ${probe_elf}
    COMMAND ${AZOTH_LD_LLD} -nostdlib -static -z max-page-size=4096 -T ${probe_script} -o ${probe_elf} ${probe_objects}
    DEPENDS ${probe_objects} ${probe_script}
    COMMENT "Linking the hand-off probe"
    VERBATIM)
add_custom_target(handoff_probe ALL DEPENDS ${probe_elf})
