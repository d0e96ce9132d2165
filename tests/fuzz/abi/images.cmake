# The generated ABI fuzzer's booted image (arch builds; included by modules/initrd.cmake):
# init (modules/init), abi-fuzz and its peer (the same module, --serve), as initrd-abi-fuzz.tar
# and esp-abi-fuzz.img (boot.<arch>.abi-fuzz, tests.cmake).
set(abi_fuzz_source ${CMAKE_CURRENT_LIST_DIR})
set(abi_fuzz_generated ${PROJECT_BINARY_DIR}/abi-fuzz)
file(MAKE_DIRECTORY ${abi_fuzz_generated})
include(${abi_fuzz_source}/generate.cmake)
abi_fuzz_generate(${abi_fuzz_generated})
azoth_wasm_module(abi-fuzz ${abi_fuzz_source}/abi_fuzz.c ${abi_fuzz_generated}/abi_fuzz_table.h
    FLAGS -I${abi_fuzz_generated} -nostartfiles -Wl,--global-base=262144)
azoth_booted_image(abi-fuzz
    init=${AZOTH_MODULES_OUT}/init.wasm:${abi_fuzz_source}/manifests/init.manifest
    abi-fuzz=${AZOTH_MODULES_OUT}/abi-fuzz.wasm:${abi_fuzz_source}/manifests/abi-fuzz.manifest
    abi-fuzz-peer=${AZOTH_MODULES_OUT}/abi-fuzz.wasm:${abi_fuzz_source}/manifests/abi-fuzz-peer.manifest)
