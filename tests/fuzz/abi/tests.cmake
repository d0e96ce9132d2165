# The generated ABI fuzzer (tests/fuzz/abi; docs/security.md "The generated ABI fuzzer"), included
# by tests/fuzz/CMakeLists.txt in the hosted build. Label `fuzz`.
#
# fuzz.abi.hosted: abi_fuzz_table.h generated from both import tables, abi-fuzz.wasm, run by
# abi-fuzz-host on the hosted kernel core (ASan/UBSan in the default hosted build).
# boot.<arch>.abi-fuzz (labels fuzz;boot): esp-abi-fuzz.img of the arch build next to this one
# (images.cmake). Another seed or count: AZOTH_ABI_FUZZ_SEED=N AZOTH_ABI_FUZZ_COUNT=N ctest -R abi-fuzz,
# or abi-fuzz-test.py directly.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(abi_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(abi_fuzz_driver ${Python3_EXECUTABLE} ${abi_fuzz_dir}/abi-fuzz-test.py)

if(TARGET ath_sys_azoth AND TARGET ath_hosted_objects)
    set(abi_fuzz_out ${CMAKE_CURRENT_BINARY_DIR}/abi)
    file(MAKE_DIRECTORY ${abi_fuzz_out})
    include(${abi_fuzz_dir}/generate.cmake)
    abi_fuzz_generate(${abi_fuzz_out})
    add_custom_command(OUTPUT ${abi_fuzz_out}/abi-fuzz.wasm
        COMMAND clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -nostartfiles -Wl,--global-base=262144 -I${abi_fuzz_out}
                ${abi_fuzz_dir}/abi_fuzz.c -o ${abi_fuzz_out}/abi-fuzz.wasm
        DEPENDS ${abi_fuzz_dir}/abi_fuzz.c ${abi_fuzz_out}/abi_fuzz_table.h
        COMMENT "wasm32-wasi abi-fuzz" VERBATIM)
    add_custom_target(abi_fuzz_module ALL DEPENDS ${abi_fuzz_out}/abi-fuzz.wasm)

    add_executable(abi-fuzz-host ${abi_fuzz_dir}/AbiFuzzHost.cpp)
    target_link_libraries(abi-fuzz-host PRIVATE ath_hosted_azoth ath_hosted_services)
    add_dependencies(abi-fuzz-host abi_fuzz_module)

    add_test(NAME fuzz.abi.hosted
        COMMAND ${abi_fuzz_driver} hosted --host $<TARGET_FILE:abi-fuzz-host> --module ${abi_fuzz_out}/abi-fuzz.wasm)
    set_tests_properties(fuzz.abi.hosted PROPERTIES LABELS fuzz TIMEOUT 600)
endif()

azoth_image_boot_tests(abi-fuzz ${abi_fuzz_dir}/abi-fuzz-test.py ARGS boot SECONDS 240 240 USERMODE LABELS fuzz boot TIMEOUT 300)
