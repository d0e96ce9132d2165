# The booted IPC image (included by modules/initrd.cmake in arch builds): init with the modules of
# tests/ipc/booted, as initrd-ipc.tar and esp-ipc.img (tests boot.<arch>.ipc and .ipc-kill, label
# ipc;boot).
set(ipc_booted_source ${CMAKE_CURRENT_LIST_DIR})
# ipc-bench is bench-ipc's client (bench/ipc/booted); it goes into the default initrd under bench/.
# ipc-queuer (ipc-queue-first/-second/-third) and ipc-peer (ipc-peer-x/-y): one module, several
# manifests.
foreach(module ipc-echo ipc-client ipc-intruder ipc-spinner ipc-reader ipc-bench ipc-queue ipc-queuer ipc-peer)
    string(REPLACE "-" "_" source_name ${module})
    set(source ${ipc_booted_source}/${source_name}.c)
    if(module STREQUAL "ipc-bench")
        set(source ${PROJECT_SOURCE_DIR}/bench/ipc/booted/ipc_bench.c)
    endif()
    azoth_wasm_module(${module} ${source} ${ipc_booted_source}/echo_client.h INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
endforeach()

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
# The test kernel: boot.<arch>.ipc-kill boots this image with the `ipc-kill-test` mode.
azoth_booted_image(ipc TEST_KERNEL ${ipc_entries})
