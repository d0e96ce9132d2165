# The fault-isolation image (included by modules/initrd.cmake in arch builds): init with the
# fault modules of tests/fault/modules and their manifests, as initrd-fault.tar and esp-fault.img.
set(fault_source ${CMAKE_CURRENT_LIST_DIR})
foreach(fault trap loop recursion memory hostile noconsole)
    azoth_wasm_module(fault-${fault} ${fault_source}/modules/fault_${fault}.c)
endforeach()
azoth_wasm_module(steady ${fault_source}/modules/steady.c)
# chaos has its own _start and no libc start-up; a 1 MiB maximum memory bounds its growth.
set(chaos_wasm ${AZOTH_MODULES_OUT}/chaos.wasm)
add_custom_command(OUTPUT ${chaos_wasm}
    COMMAND ${AZOTH_WASM_CC} -nostartfiles -Wl,--max-memory=1048576 ${fault_source}/modules/chaos.c -o ${chaos_wasm}
    DEPENDS ${fault_source}/modules/chaos.c ${AZOTH_SDK_HEADER}
    COMMENT "wasm32-wasi module chaos"
    VERBATIM)

set(fault_initrd ${PROJECT_BINARY_DIR}/initrd-fault.tar)
set(fault_entries init=${AZOTH_MODULES_OUT}/init.wasm:${fault_source}/manifests/init.manifest)
foreach(module fault-trap fault-loop fault-recursion fault-memory fault-hostile fault-noconsole steady chaos)
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

# Console input (boot.<arch>.console): init, the uart driver and `readline`, which reads a line the
# boot test types into QEMU's serial port. readline blocks on stdin, so it has an image of its own.
azoth_wasm_module(readline ${fault_source}/modules/readline.c)
set(console_initrd ${PROJECT_BINARY_DIR}/initrd-console.tar)
azoth_initrd(${console_initrd}
    init=${AZOTH_MODULES_OUT}/init.wasm:${PROJECT_SOURCE_DIR}/modules/init/init.manifest
    uart=${AZOTH_MODULES_OUT}/uart.wasm:${PROJECT_SOURCE_DIR}/modules/uart/uart.manifest
    readline=${AZOTH_MODULES_OUT}/readline.wasm:${fault_source}/manifests/readline.manifest)
add_custom_target(initrd_console ALL DEPENDS ${console_initrd})
if(TARGET athanor)
    add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/esp-console.img
        COMMAND ${make_esp} --output ${PROJECT_BINARY_DIR}/esp-console.img --loader ${loader} --boot-name ${AZOTH_UEFI_BOOT_NAME}
                --kernel $<TARGET_FILE:athanor> --initrd ${console_initrd}
        DEPENDS ${make_esp} ${loader} ${console_initrd} athanor
        COMMENT "Building the console-input ESP image esp-console.img"
        VERBATIM)
    add_custom_target(esp_console_image ALL DEPENDS ${PROJECT_BINARY_DIR}/esp-console.img)
    add_dependencies(esp_console_image azboot initrd_console)
endif()
