# The booted device image (included by modules/initrd.cmake in arch builds): init, device-peer and
# device-probe, as initrd-device.tar and esp-device.img (test boot.<arch>.device, label ipc;boot).
set(device_booted_source ${CMAKE_CURRENT_LIST_DIR})
set(device_sdk_include ${PROJECT_BINARY_DIR}/device-sdk/include)
add_custom_command(OUTPUT ${device_sdk_include}/azoth.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${device_sdk_include}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/abi-gen/abi_gen.py
            --def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def --output ${device_sdk_include}/azoth.h
    DEPENDS ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def ${PROJECT_SOURCE_DIR}/tools/abi-gen/abi_gen.py
    COMMENT "abi-gen: azoth.h for the booted device modules"
    VERBATIM)
foreach(module device-peer device-probe)
    string(REPLACE "-" "_" source_name ${module})
    add_custom_command(OUTPUT ${AZOTH_MODULES_OUT}/${module}.wasm
        COMMAND ${AZOTH_WASM_CC} -I${device_sdk_include} ${device_booted_source}/${source_name}.c -o ${AZOTH_MODULES_OUT}/${module}.wasm
        DEPENDS ${device_booted_source}/${source_name}.c ${device_sdk_include}/azoth.h
        COMMENT "wasm32-wasi module ${module}"
        VERBATIM)
endforeach()

set(device_initrd ${PROJECT_BINARY_DIR}/initrd-device.tar)
set(device_entries init=${AZOTH_MODULES_OUT}/init.wasm:${device_booted_source}/init.manifest)
foreach(module device-peer device-probe)
    list(APPEND device_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${device_booted_source}/${module}.manifest)
endforeach()
azoth_initrd(${device_initrd} ${device_entries})
add_custom_target(initrd_device ALL DEPENDS ${device_initrd})

if(TARGET athanor)
    add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/esp-device.img
        COMMAND ${make_esp} --output ${PROJECT_BINARY_DIR}/esp-device.img --loader ${loader} --boot-name ${AZOTH_UEFI_BOOT_NAME}
                --kernel $<TARGET_FILE:athanor> --initrd ${device_initrd}
        DEPENDS ${make_esp} ${loader} ${device_initrd} athanor
        COMMENT "Building the booted device ESP image esp-device.img"
        VERBATIM)
    add_custom_target(esp_device_image ALL DEPENDS ${PROJECT_BINARY_DIR}/esp-device.img)
    add_dependencies(esp_device_image azboot initrd_device)
endif()
