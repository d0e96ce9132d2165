# Initrds of an arch image; included by boot/uefi/CMakeLists.txt (non-hosted builds), which puts
# AZOTH_INITRD into esp.img.
#
#   initrd.tar           the boot initrd (Wasm modules + manifests, see modules/README.md)
#   initrd-spectest.tar  the Wasm spec suite converted for the kernel's `spectest` mode, booted
#                        from esp-spectest.img by the boot.x86_64.spectest test (tests/fault)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(AZOTH_INITRD ${PROJECT_BINARY_DIR}/initrd.tar)
add_custom_command(OUTPUT ${AZOTH_INITRD}
    COMMAND tar --create --format=ustar --file ${AZOTH_INITRD} --files-from /dev/null
    COMMENT "Creating the initrd"
    VERBATIM)
add_custom_target(initrd ALL DEPENDS ${AZOTH_INITRD})

# The spec suite: the same location rule as tests/spec ($AZOTH_WASM_SPEC_DIR or ../shared).
if(DEFINED ENV{AZOTH_WASM_SPEC_DIR} AND NOT "$ENV{AZOTH_WASM_SPEC_DIR}" STREQUAL "")
    set(azoth_spec_suite "$ENV{AZOTH_WASM_SPEC_DIR}")
else()
    get_filename_component(azoth_spec_suite "${PROJECT_SOURCE_DIR}/../shared/wasm-spec-2.0" ABSOLUTE)
endif()
if(EXISTS ${azoth_spec_suite})
    file(GLOB azoth_spec_scripts CONFIGURE_DEPENDS ${azoth_spec_suite}/*.wast)
    set(spec_initrd ${PROJECT_BINARY_DIR}/initrd-spectest.tar)
    set(spec_expected ${PROJECT_SOURCE_DIR}/tests/spec/expected-failures.txt)
    add_custom_command(OUTPUT ${spec_initrd}
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/build/make-spec-initrd.py
                --suite ${azoth_spec_suite} --expected ${spec_expected}
                --work ${PROJECT_BINARY_DIR}/spectest-json --output ${spec_initrd} --jobs 2
        DEPENDS ${CMAKE_CURRENT_LIST_DIR}/build/make-spec-initrd.py ${spec_expected} ${azoth_spec_scripts}
        COMMENT "Converting the Wasm spec suite for the kernel (initrd-spectest.tar)"
        VERBATIM)
    add_custom_target(initrd_spectest ALL DEPENDS ${spec_initrd})
    set(AZOTH_SPECTEST_INITRD ${spec_initrd})
else()
    message(STATUS "modules: no Wasm spec suite at ${azoth_spec_suite}; esp-spectest.img not built")
endif()
