# The resource-exhaustion image (boot.<arch>.resources): res-init as init, res-steady, and one
# module per resource kind, each with a manifest that sets its limit (tests/hardening/resources).
set(resources_source ${CMAKE_CURRENT_LIST_DIR})
find_program(AZOTH_WAT2WASM wat2wasm REQUIRED)
azoth_wasm_module(res-init ${resources_source}/modules/res_init.c)
azoth_wasm_module(res-steady ${resources_source}/modules/res_steady.c)
azoth_wasm_module(res-objects ${resources_source}/modules/res_objects.c)
add_custom_command(OUTPUT ${AZOTH_MODULES_OUT}/res-tables.wasm
    COMMAND ${AZOTH_WAT2WASM} ${resources_source}/modules/res_tables.wat -o ${AZOTH_MODULES_OUT}/res-tables.wasm
    DEPENDS ${resources_source}/modules/res_tables.wat
    COMMENT "wat2wasm res-tables"
    VERBATIM)

set(resources_entries
    init=${AZOTH_MODULES_OUT}/res-init.wasm:${resources_source}/manifests/init.manifest
    res-steady=${AZOTH_MODULES_OUT}/res-steady.wasm:${resources_source}/manifests/res-steady.manifest
    res-tables=${AZOTH_MODULES_OUT}/res-tables.wasm:${resources_source}/manifests/res-tables.manifest
    res-heap=${AZOTH_MODULES_OUT}/res-tables.wasm:${resources_source}/manifests/res-heap.manifest)
foreach(kind memory regions region-memory channels handles timers ro-mappings)
    list(APPEND resources_entries
        res-${kind}=${AZOTH_MODULES_OUT}/res-objects.wasm:${resources_source}/manifests/res-${kind}.manifest)
endforeach()
azoth_booted_image(resources ${resources_entries})
