# tests/hardening/abi's booted image: init + abi-server + abi-findings (supervisor, for the spawn case).
set(abi_source ${CMAKE_CURRENT_LIST_DIR})
azoth_wasm_module(abi-findings ${abi_source}/abi_findings.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
azoth_wasm_module(abi-server ${abi_source}/abi_server.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
azoth_booted_image(abi
    init=${AZOTH_MODULES_OUT}/init.wasm:${abi_source}/init.manifest
    abi-server=${AZOTH_MODULES_OUT}/abi-server.wasm:${abi_source}/abi-server.manifest
    abi-findings=${AZOTH_MODULES_OUT}/abi-findings.wasm:${abi_source}/abi-findings.manifest)
