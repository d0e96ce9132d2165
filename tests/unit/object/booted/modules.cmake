# The booted device image (included by modules/initrd.cmake in arch builds): init, device-peer and
# device-probe, as initrd-device.tar and esp-device.img (test boot.<arch>.device, label ipc;boot).
set(device_booted_source ${CMAKE_CURRENT_LIST_DIR})
foreach(module device-peer device-probe)
    string(REPLACE "-" "_" source_name ${module})
    azoth_wasm_module(${module} ${device_booted_source}/${source_name}.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
endforeach()

set(device_entries init=${AZOTH_MODULES_OUT}/init.wasm:${device_booted_source}/init.manifest)
foreach(module device-peer device-probe)
    list(APPEND device_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${device_booted_source}/${module}.manifest)
endforeach()
azoth_booted_image(device ${device_entries})
