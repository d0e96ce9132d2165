# The privacy image (tests/privacy; included by modules/initrd.cmake in the arch builds):
# privacy-supervisor as init plus privacy-victim in four roles, as initrd-privacy.tar and
# esp-privacy.img (tests boot.<arch>.privacy-reset, labels privacy;boot).
set(privacy_source ${CMAKE_CURRENT_LIST_DIR})
azoth_wasm_module(privacy-supervisor ${privacy_source}/privacy_supervisor.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
azoth_wasm_module(privacy-victim ${privacy_source}/privacy_victim.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
set(privacy_entries init=${AZOTH_MODULES_OUT}/privacy-supervisor.wasm:${privacy_source}/manifests/init.manifest)
foreach(role a b sleeper client caller writer reader)
    list(APPEND privacy_entries privacy-${role}=${AZOTH_MODULES_OUT}/privacy-victim.wasm:${privacy_source}/manifests/privacy-${role}.manifest)
endforeach()
azoth_booted_image(privacy ${privacy_entries})
