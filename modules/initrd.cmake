# Initrds of an arch image; included by boot/uefi/CMakeLists.txt (non-hosted builds), which puts
# AZOTH_INITRD into esp.img.
#
#   initrd.tar           the boot initrd (Wasm modules + manifests, see modules/README.md)
#   initrd-spectest.tar  the Wasm spec suite converted for the kernel's `spectest` mode, booted
#                        from esp-spectest.img by the boot.x86_64.spectest test (tests/fault)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

# The SDK header <azoth.h> (${AZOTH_SDK_HEADER}) comes from sdk/CMakeLists.txt, the one rule that
# generates it; every module compiles against it.

# C modules: the SDK's C compiler command (sdk/modules.cmake: clang-19 for wasm32-wasi against
# Debian's wasi-libc, the SDK headers; the same .wasm on every arch).
set(AZOTH_WASM_CC ${AZOTH_MODULE_C})

# azoth_wasm_module(NAME SOURCE [HEADERS...] [INCLUDE DIRS...] [FLAGS FLAGS...]):
# ${AZOTH_MODULES_OUT}/NAME.wasm from one C file; HEADERS are extra dependencies, INCLUDE extra -I
# directories (their headers also become dependencies), FLAGS extra compiler/linker flags.
function(azoth_wasm_module name source)
    cmake_parse_arguments(PARSE_ARGV 2 module "" "" "INCLUDE;FLAGS")
    set(output ${AZOTH_MODULES_OUT}/${name}.wasm)
    set(includes)
    set(headers ${module_UNPARSED_ARGUMENTS})
    foreach(directory IN LISTS module_INCLUDE)
        list(APPEND includes -I${directory})
        file(GLOB directory_headers ${directory}/*.h)
        list(APPEND headers ${directory_headers})
    endforeach()
    add_custom_command(OUTPUT ${output}
        COMMAND ${AZOTH_WASM_CC} ${includes} ${module_FLAGS} ${source} -o ${output}
        DEPENDS ${source} ${AZOTH_SDK_HEADER} ${headers}
        COMMENT "wasm32-wasi module ${name}"
        VERBATIM)
endfunction()

# The booted test modules' shared helpers (tests/support: booted_check.h, booted_ipc.h).
set(AZOTH_TEST_SUPPORT_INCLUDE ${PROJECT_SOURCE_DIR}/tests/support)

# azoth_initrd(OUTPUT NAME=WASM:MANIFEST...)
function(azoth_initrd output)
    set(files)
    foreach(entry IN LISTS ARGN)
        if(entry MATCHES "^@[^=]+=(.+)$")
            list(APPEND files ${CMAKE_MATCH_1})
            continue()
        endif()
        string(REGEX MATCH "^[^=]+=([^:]+):(.+)$" matched "${entry}")
        list(APPEND files ${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
    endforeach()
    add_custom_command(OUTPUT ${output}
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/build/make-initrd.py --output ${output} ${ARGN}
        DEPENDS ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/build/make-initrd.py ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/build/initrd_tar.py
                ${files}
        COMMENT "Packing ${output}"
        VERBATIM)
endfunction()

# azoth_esp_image(NAME INITRD [TEST_KERNEL] [DEPENDS TARGETS...]): ${PROJECT_BINARY_DIR}/esp-NAME.img
# (target esp_NAME_image) with the loader, the kernel and INITRD; nothing until the kernel target
# exists. The kernel is the default image (athanor.elf) unless TEST_KERNEL asks for athanor-test.elf,
# the one with the test and benchmark boot modes (kernel/main/BootMode.h); on the ESP it is always
# \azoth\athanor.elf. Uses `loader` and `make_esp` of boot/uefi/CMakeLists.txt, which includes this file.
function(azoth_esp_image name initrd)
    cmake_parse_arguments(PARSE_ARGV 2 image "TEST_KERNEL" "" "DEPENDS")
    set(kernel athanor)
    if(image_TEST_KERNEL)
        set(kernel athanor_test)
    endif()
    if(NOT TARGET ${kernel})
        return()
    endif()
    set(output ${PROJECT_BINARY_DIR}/esp-${name}.img)
    add_custom_command(OUTPUT ${output}
        COMMAND ${make_esp} --output ${output} --loader ${loader} --boot-name ${AZOTH_UEFI_BOOT_NAME}
                --kernel $<TARGET_FILE:${kernel}> --initrd ${initrd}
        DEPENDS ${make_esp} ${loader} ${initrd} ${kernel}
        COMMENT "Building the ESP image esp-${name}.img"
        VERBATIM)
    add_custom_target(esp_${name}_image ALL DEPENDS ${output})
    add_dependencies(esp_${name}_image azboot ${image_DEPENDS})
endfunction()

# azoth_booted_image(NAME [TEST_KERNEL] NAME=WASM:MANIFEST...): a booted test's initrd-NAME.tar
# (target initrd_NAME, entries as for azoth_initrd) and its esp-NAME.img (TEST_KERNEL: as for
# azoth_esp_image, for a test that boots a test mode).
function(azoth_booted_image name)
    cmake_parse_arguments(PARSE_ARGV 1 image "TEST_KERNEL" "" "")
    set(kernel_option)
    if(image_TEST_KERNEL)
        set(kernel_option TEST_KERNEL)
    endif()
    set(initrd ${PROJECT_BINARY_DIR}/initrd-${name}.tar)
    azoth_initrd(${initrd} ${image_UNPARSED_ARGUMENTS})
    add_custom_target(initrd_${name} ALL DEPENDS ${initrd})
    azoth_esp_image(${name} ${initrd} ${kernel_option} DEPENDS initrd_${name})
endfunction()

# The default image's modules: every modules/NAME/ with NAME.manifest and a source in one of the
# SDK's languages (sdk/modules.cmake, azoth_discover_modules); adding a module needs no edit here.
azoth_discover_modules(${CMAKE_CURRENT_LIST_DIR} default_modules)

set(AZOTH_INITRD ${PROJECT_BINARY_DIR}/initrd.tar)
azoth_initrd(${AZOTH_INITRD}
    ${default_modules}
    # bench-ipc's module pair (bench/ipc/booted; built in tests/ipc/booted/modules.cmake)
    @bench/ipc-echo.wasm=${AZOTH_MODULES_OUT}/ipc-echo.wasm
    @bench/ipc-echo.manifest=${PROJECT_SOURCE_DIR}/bench/ipc/booted/ipc-echo.manifest
    @bench/ipc-bench.wasm=${AZOTH_MODULES_OUT}/ipc-bench.wasm
    @bench/ipc-bench.manifest=${PROJECT_SOURCE_DIR}/bench/ipc/booted/ipc-bench.manifest)
add_custom_target(initrd ALL DEPENDS ${AZOTH_INITRD})

# The booted tests' modules, manifests and images come from their folders (each file, when
# present): fault isolation (tests/fault), booted IPC (tests/ipc/booted), booted device objects
# (tests/unit/object/booted), PCI functions (tests/devices/booted), hardening against hostile modules (tests/hardening, each topic's
# images) and the generated ABI fuzzer (tests/fuzz/abi).
foreach(booted_tests fault/modules ipc/booted/modules unit/object/booted/modules devices/booted/modules hardening/modules privacy/images fuzz/abi/images)
    if(EXISTS ${PROJECT_SOURCE_DIR}/tests/${booted_tests}.cmake)
        include(${PROJECT_SOURCE_DIR}/tests/${booted_tests}.cmake)
    endif()
endforeach()

# The spec suite (location rule: AZOTH_SPEC_SUITE_DIR in cmake/Options.cmake).
set(azoth_spec_suite "${AZOTH_SPEC_SUITE_DIR}")
if(EXISTS ${azoth_spec_suite})
    file(GLOB azoth_spec_scripts CONFIGURE_DEPENDS ${azoth_spec_suite}/*.wast)
    set(spec_initrd ${PROJECT_BINARY_DIR}/initrd-spectest.tar)
    set(spec_expected ${PROJECT_SOURCE_DIR}/tests/spec/expected-failures.txt)
    add_custom_command(OUTPUT ${spec_initrd}
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/build/make-spec-initrd.py
                --suite ${azoth_spec_suite} --expected ${spec_expected}
                --work ${PROJECT_BINARY_DIR}/spectest-json --output ${spec_initrd} --jobs 2
        DEPENDS ${CMAKE_CURRENT_LIST_DIR}/build/make-spec-initrd.py ${CMAKE_CURRENT_LIST_DIR}/build/initrd_tar.py
                ${spec_expected} ${azoth_spec_scripts}
        COMMENT "Converting the Wasm spec suite for the kernel (initrd-spectest.tar)"
        VERBATIM)
    add_custom_target(initrd_spectest ALL DEPENDS ${spec_initrd})
    set(AZOTH_SPECTEST_INITRD ${spec_initrd})
else()
    message(STATUS "modules: no Wasm spec suite at ${azoth_spec_suite}; esp-spectest.img not built")
endif()
