# The soak's booted image (arch builds; included by tests/hardening/modules.cmake): the soak's
# init (supervisor and kill storm), the UART driver, soak-echo + soak-client (the well-behaved
# pair) and soak-hostile under two manifests, as initrd-soak.tar and esp-soak.img
# (boot.<arch>.soak, tests/hardening/soak/tests.cmake).
set(soak_source ${CMAKE_CURRENT_LIST_DIR})
set(soak_generated ${PROJECT_BINARY_DIR}/hardening-soak)
file(MAKE_DIRECTORY ${soak_generated})
# Every WASI and azoth import with its raw signature, from the two ABI tables.
add_custom_command(OUTPUT ${soak_generated}/soak_imports.h
    COMMAND ${Python3_EXECUTABLE} ${soak_source}/gen-imports.py
            --wasi-def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/wasi_snapshot_preview1.def
            --azoth-def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def --output ${soak_generated}/soak_imports.h
    DEPENDS ${soak_source}/gen-imports.py ${PROJECT_SOURCE_DIR}/tools/abi-gen/abi_gen.py
            ${PROJECT_SOURCE_DIR}/kernel/sys/abi/wasi_snapshot_preview1.def
            ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def
    COMMENT "soak: soak_imports.h"
    VERBATIM)
# soak-hostile: no libc start-up (its own _start), eight externref tables (reference types).
azoth_wasm_module(soak-hostile ${soak_source}/soak_hostile.c ${soak_generated}/soak_imports.h ${soak_source}/soak_protocol.h
    FLAGS -I${soak_generated} -nostartfiles -mreference-types)
azoth_wasm_module(soak-init ${soak_source}/soak_init.c ${soak_source}/soak_protocol.h)
azoth_wasm_module(soak-echo ${soak_source}/soak_echo.c ${soak_source}/soak_protocol.h INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
azoth_wasm_module(soak-client ${soak_source}/soak_client.c ${soak_source}/soak_protocol.h)

azoth_booted_image(soak
    init=${AZOTH_MODULES_OUT}/soak-init.wasm:${soak_source}/manifests/init.manifest
    uart=${AZOTH_MODULES_OUT}/uart.wasm:${PROJECT_SOURCE_DIR}/modules/uart/uart.manifest
    soak-echo=${AZOTH_MODULES_OUT}/soak-echo.wasm:${soak_source}/manifests/soak-echo.manifest
    soak-client=${AZOTH_MODULES_OUT}/soak-client.wasm:${soak_source}/manifests/soak-client.manifest
    soak-hostile=${AZOTH_MODULES_OUT}/soak-hostile.wasm:${soak_source}/manifests/soak-hostile.manifest
    soak-hostile-spawner=${AZOTH_MODULES_OUT}/soak-hostile.wasm:${soak_source}/manifests/soak-hostile-spawner.manifest)
