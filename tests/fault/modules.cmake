# The fault-isolation image (included by modules/initrd.cmake in arch builds): init with the
# fault modules of tests/fault/modules and their manifests, as initrd-fault.tar and esp-fault.img.
set(fault_source ${CMAKE_CURRENT_LIST_DIR})
foreach(fault trap loop recursion memory hostile)
    azoth_wasm_module(fault-${fault} ${fault_source}/modules/fault_${fault}.c ${PROJECT_SOURCE_DIR}/modules/init/azoth_process.h)
endforeach()
azoth_wasm_module(steady ${fault_source}/modules/steady.c)
# chaos has its own _start and no libc start-up; a 1 MiB maximum memory bounds its growth.
set(chaos_wasm ${AZOTH_MODULES_OUT}/chaos.wasm)
add_custom_command(OUTPUT ${chaos_wasm}
    COMMAND ${AZOTH_WASM_CC} -nostartfiles -Wl,--max-memory=1048576 -I${PROJECT_SOURCE_DIR}/modules/init
            ${fault_source}/modules/chaos.c -o ${chaos_wasm}
    DEPENDS ${fault_source}/modules/chaos.c ${PROJECT_SOURCE_DIR}/modules/init/azoth_process.h
    COMMENT "wasm32-wasi module chaos"
    VERBATIM)

set(fault_initrd ${PROJECT_BINARY_DIR}/initrd-fault.tar)
set(fault_entries init=${AZOTH_MODULES_OUT}/init.wasm:${fault_source}/manifests/init.manifest)
foreach(module fault-trap fault-loop fault-recursion fault-memory fault-hostile steady chaos)
    list(APPEND fault_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${fault_source}/manifests/${module}.manifest)
endforeach()
azoth_initrd(${fault_initrd} ${fault_entries})
add_custom_target(initrd_fault ALL DEPENDS ${fault_initrd})

if(TARGET athanor)
    add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/esp-fault.img
        COMMAND ${make_esp} --output ${PROJECT_BINARY_DIR}/esp-fault.img --loader ${loader} --boot-name ${AZOTH_UEFI_BOOT_NAME}
                --kernel $<TARGET_FILE:athanor> --initrd ${fault_initrd}
        DEPENDS ${make_esp} ${loader} ${fault_initrd} athanor
        COMMENT "Building the fault-isolation ESP image esp-fault.img"
        VERBATIM)
    add_custom_target(esp_fault_image ALL DEPENDS ${PROJECT_BINARY_DIR}/esp-fault.img)
    add_dependencies(esp_fault_image azboot initrd_fault)
endif()
