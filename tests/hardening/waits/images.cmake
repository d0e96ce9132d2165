# The waits image (tests/hardening/waits; included by tests/hardening/modules.cmake in the arch
# builds): waits-supervisor as init plus one waits-victim per blocking kind, as initrd-waits.tar
# and esp-waits.img (tests boot.<arch>.hardening-waits, labels fault;boot).
set(waits_source ${CMAKE_CURRENT_LIST_DIR})
azoth_wasm_module(waits-supervisor ${waits_source}/waits_supervisor.c)
azoth_wasm_module(waits-victim ${waits_source}/waits_victim.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
set(waits_entries init=${AZOTH_MODULES_OUT}/waits-supervisor.wasm:${waits_source}/manifests/init.manifest)
foreach(role sleep stdin poll-stdin event random child server client-sleep client-stdin client-queued)
    list(APPEND waits_entries waits-${role}=${AZOTH_MODULES_OUT}/waits-victim.wasm:${waits_source}/manifests/waits-${role}.manifest)
endforeach()
azoth_booted_image(waits ${waits_entries})
