# The fault-isolation image (included by modules/initrd.cmake in arch builds): init with the
# fault modules of tests/fault/modules and their manifests, as initrd-fault.tar and esp-fault.img.
set(fault_source ${CMAKE_CURRENT_LIST_DIR})
foreach(fault trap loop recursion memory hostile noconsole)
    azoth_wasm_module(fault-${fault} ${fault_source}/modules/fault_${fault}.c ${fault_source}/modules/endless_recursion.h
        INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
endforeach()
azoth_wasm_module(steady ${fault_source}/modules/steady.c)
# chaos has its own _start and no libc start-up; a 1 MiB maximum memory bounds its growth.
azoth_wasm_module(chaos ${fault_source}/modules/chaos.c ${fault_source}/modules/endless_recursion.h
    FLAGS -nostartfiles -Wl,--max-memory=1048576)

set(fault_entries init=${AZOTH_MODULES_OUT}/init.wasm:${fault_source}/manifests/init.manifest)
foreach(module fault-trap fault-loop fault-recursion fault-memory fault-hostile fault-noconsole steady chaos)
    list(APPEND fault_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${fault_source}/manifests/${module}.manifest)
endforeach()
azoth_booted_image(fault ${fault_entries})

# Console input (boot.<arch>.console): init, the uart driver and `readline`, which reads a line the
# boot test types into QEMU's serial port. readline blocks on stdin, so it has an image of its own.
# The test kernel: boot.<arch>.console-kill boots it with the `console-kill-test` mode.
azoth_wasm_module(readline ${fault_source}/modules/readline.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
azoth_booted_image(console TEST_KERNEL
    init=${AZOTH_MODULES_OUT}/init.wasm:${PROJECT_SOURCE_DIR}/modules/init/init.manifest
    uart=${AZOTH_MODULES_OUT}/uart.wasm:${PROJECT_SOURCE_DIR}/modules/uart/uart.manifest
    readline=${AZOTH_MODULES_OUT}/readline.wasm:${fault_source}/manifests/readline.manifest)

# Early input (boot.<arch>.early-input): the default kernel with init, the uart driver and
# stdin-count; the test types a line right after `athanor: ready`, before the driver attaches, and
# one after: stdin-count must get both, in order.
azoth_wasm_module(stdin-count ${PROJECT_SOURCE_DIR}/tests/wasi/programs/stdin_count.c)
azoth_booted_image(early-input
    init=${AZOTH_MODULES_OUT}/init.wasm:${PROJECT_SOURCE_DIR}/modules/init/init.manifest
    uart=${AZOTH_MODULES_OUT}/uart.wasm:${PROJECT_SOURCE_DIR}/modules/uart/uart.manifest
    stdin-count=${AZOTH_MODULES_OUT}/stdin-count.wasm:${fault_source}/manifests/stdin-count.manifest)
