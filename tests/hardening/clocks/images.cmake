# The clocks image (boot.<arch>.clocks, boot.usermode.clocks): init starting clock-probe as
# clock-coarse (no precise-time capability) and as clock-precise (with it).
set(clocks_source ${CMAKE_CURRENT_LIST_DIR})
azoth_wasm_module(clock-probe ${clocks_source}/clock_probe.c)
azoth_booted_image(clocks
    init=${AZOTH_MODULES_OUT}/init.wasm:${clocks_source}/manifests/init.manifest
    clock-coarse=${AZOTH_MODULES_OUT}/clock-probe.wasm:${clocks_source}/manifests/clock-coarse.manifest
    clock-precise=${AZOTH_MODULES_OUT}/clock-probe.wasm:${clocks_source}/manifests/clock-precise.manifest)
