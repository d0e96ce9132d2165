# The booted IPC image (included by modules/initrd.cmake in arch builds): init with the modules of
# tests/ipc/booted, as initrd-ipc.tar and esp-ipc.img (tests boot.<arch>.ipc and .ipc-kill, label
# ipc;boot).
set(ipc_booted_source ${CMAKE_CURRENT_LIST_DIR})
# The modules use the generated <azoth.h> (kernel/sys/abi/azoth.def via tools/abi-gen).
set(ipc_sdk_include ${PROJECT_BINARY_DIR}/ipc-sdk/include)
add_custom_command(OUTPUT ${ipc_sdk_include}/azoth.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ipc_sdk_include}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/abi-gen/abi_gen.py
            --def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def --output ${ipc_sdk_include}/azoth.h
    DEPENDS ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def ${PROJECT_SOURCE_DIR}/tools/abi-gen/abi_gen.py
    COMMENT "abi-gen: azoth.h for the booted IPC modules"
    VERBATIM)
# ipc-bench is bench-ipc's client (bench/ipc/booted); it goes into the default initrd under bench/.
# ipc-queuer (ipc-queue-first/-second/-third) and ipc-peer (ipc-peer-x/-y): one module, several
# manifests.
foreach(module ipc-echo ipc-client ipc-intruder ipc-spinner ipc-reader ipc-bench ipc-queue ipc-queuer ipc-peer)
    string(REPLACE "-" "_" source_name ${module})
    set(source ${ipc_booted_source}/${source_name}.c)
    if(module STREQUAL "ipc-bench")
        set(source ${PROJECT_SOURCE_DIR}/bench/ipc/booted/ipc_bench.c)
    endif()
    add_custom_command(OUTPUT ${AZOTH_MODULES_OUT}/${module}.wasm
        COMMAND ${AZOTH_WASM_CC} -I${ipc_sdk_include} ${source} -o ${AZOTH_MODULES_OUT}/${module}.wasm
        DEPENDS ${source} ${ipc_sdk_include}/azoth.h
        COMMENT "wasm32-wasi module ${module}"
        VERBATIM)
endforeach()

set(ipc_initrd ${PROJECT_BINARY_DIR}/initrd-ipc.tar)
set(ipc_entries init=${AZOTH_MODULES_OUT}/init.wasm:${ipc_booted_source}/init.manifest)
foreach(module ipc-echo ipc-reader ipc-spinner ipc-client ipc-intruder ipc-queue)
    list(APPEND ipc_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${ipc_booted_source}/${module}.manifest)
endforeach()
foreach(module ipc-queue-first ipc-queue-second ipc-queue-third)
    list(APPEND ipc_entries ${module}=${AZOTH_MODULES_OUT}/ipc-queuer.wasm:${ipc_booted_source}/${module}.manifest)
endforeach()
foreach(module ipc-peer-x ipc-peer-y)
    list(APPEND ipc_entries ${module}=${AZOTH_MODULES_OUT}/ipc-peer.wasm:${ipc_booted_source}/${module}.manifest)
endforeach()
azoth_initrd(${ipc_initrd} ${ipc_entries})
add_custom_target(initrd_ipc ALL DEPENDS ${ipc_initrd})

if(TARGET athanor)
    add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/esp-ipc.img
        COMMAND ${make_esp} --output ${PROJECT_BINARY_DIR}/esp-ipc.img --loader ${loader} --boot-name ${AZOTH_UEFI_BOOT_NAME}
                --kernel $<TARGET_FILE:athanor> --initrd ${ipc_initrd}
        DEPENDS ${make_esp} ${loader} ${ipc_initrd} athanor
        COMMENT "Building the booted IPC ESP image esp-ipc.img"
        VERBATIM)
    add_custom_target(esp_ipc_image ALL DEPENDS ${PROJECT_BINARY_DIR}/esp-ipc.img)
    add_dependencies(esp_ipc_image azboot initrd_ipc)
endif()
