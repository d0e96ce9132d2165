# Per-process resource accounting (issue 14: finding 2 and class 3). Hosted unit tests (labels
# unit;fault) and the booted exhaustion test per arch (labels fault;boot), whose image
# (esp-resources.img) is declared in images.cmake.
set(resources_dir ${AZOTH_HARDENING_DIR}/resources)
if(TARGET ath_wasm_hosted AND TARGET ath_hosted_objects AND TARGET ath_ipc AND TARGET ath_initrd)
    find_package(GTest REQUIRED)
    include(GoogleTest)
    add_executable(resource_tests ${resources_dir}/ResourceTest.cpp
        ${PROJECT_SOURCE_DIR}/kernel/mm/HeapAllocator.cpp ${PROJECT_SOURCE_DIR}/kernel/process/ModuleTable.cpp)
    target_link_libraries(resource_tests PRIVATE ath_wasm_hosted ath_hosted_objects ath_ipc ath_object ath_initrd ath_hosted
        GTest::gtest GTest::gtest_main)
    # gtest_add_tests (names read from the source at configure time) so the test names are known
    # here and can carry two labels.
    gtest_add_tests(TARGET resource_tests SOURCES ${resources_dir}/ResourceTest.cpp TEST_PREFIX "resources."
        TEST_LIST resource_test_names)
    set_tests_properties(${resource_test_names} PROPERTIES LABELS "unit;fault")
endif()

# Booted: each resource kind exhausted by its own module beside a steady one, on every arch this
# tree has a preset for; every frame must come back after each module ends.
azoth_image_boot_tests(resources ${resources_dir}/resources-boot-test.py SECONDS 90 150 USERMODE COMPILED LABELS fault boot TIMEOUT 250
    SKIP_RETURN_CODE 77)
