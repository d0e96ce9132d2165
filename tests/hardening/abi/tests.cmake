# tests/hardening/abi: the confirmed findings that reach the ABI (poll_oneoff overlap, channel_region
# rights, spawn into a read-only mapping), hosted and booted on every arch (labels fault, boot).
set(abi_dir ${AZOTH_HARDENING_DIR}/abi)

# Hosted: finding 3 through the IPC harness (the ipc-client example module, tests/ipc).
if(TARGET ath_sys_azoth AND TARGET ipc_test_modules)
    find_package(GTest REQUIRED)
    include(GoogleTest)
    add_executable(hardening_abi_tests ${abi_dir}/ChannelRightsTest.cpp ${abi_dir}/RevokeEndsWaitsTest.cpp)
    target_link_libraries(hardening_abi_tests PRIVATE ath_hosted_azoth GTest::gtest GTest::gtest_main)
    target_compile_definitions(hardening_abi_tests PRIVATE IPC_TEST_MODULES="${CMAKE_BINARY_DIR}/tests/ipc/modules")
    add_dependencies(hardening_abi_tests ipc_test_modules)
    gtest_discover_tests(hardening_abi_tests PROPERTIES LABELS fault DISCOVERY_TIMEOUT 60)
endif()

# Hosted: finding 1 (WASI only, so azoth-exec runs it under ASan/UBSan; azoth-exec joins the
# build after tests/, $<TARGET_FILE> resolves later).
if(TARGET ath_wasm)
    set(abi_out ${CMAKE_CURRENT_BINARY_DIR}/abi)
    file(MAKE_DIRECTORY ${abi_out})
    add_custom_command(OUTPUT ${abi_out}/abi-findings-wasi.wasm
        COMMAND clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -DABI_FINDINGS_WASI_ONLY
                -I${PROJECT_SOURCE_DIR}/tests/support ${abi_dir}/abi_findings.c -o ${abi_out}/abi-findings-wasi.wasm
        DEPENDS ${abi_dir}/abi_findings.c ${PROJECT_SOURCE_DIR}/tests/support/booted_check.h
        COMMENT "wasm32-wasi abi-findings-wasi" VERBATIM)
    add_custom_target(hardening_abi_modules ALL DEPENDS ${abi_out}/abi-findings-wasi.wasm)
    add_test(NAME hardening.abi.poll-overlap
        COMMAND ${PROJECT_SOURCE_DIR}/tests/wasi/run-wasi-test.sh $<TARGET_FILE:azoth-exec> --status 0
                --stdout-has "abi-findings: poll-overlap ok" --stdout-has "abi-findings: poll-same-buffer ok"
                --stdout-has "abi-findings: all passed (0 failed)" -- ${abi_out}/abi-findings-wasi.wasm)
    set_tests_properties(hardening.abi.poll-overlap PROPERTIES LABELS "fault" TIMEOUT 120)
endif()

# Booted: every finding of this folder on every arch (esp-abi.img of each arch build).
azoth_image_boot_tests(abi-findings ${abi_dir}/abi-boot-test.py SECONDS 90 150 USERMODE COMPILED LABELS fault boot TIMEOUT 250)
