# The soak (tests/hardening/soak; included by tests/hardening/CMakeLists.txt in the hosted build)
# and the guest-VERIFY lint (tools/lint/check-guest-verify.py).
#
# boot.<arch>.soak (labels fault;fuzz;boot): esp-soak.img from the arch build next to this hosted
# build (${CMAKE_BINARY_DIR}/../<arch>, as tests/fault does) — hostile modules (random imports with
# random arguments, forged handles, table/memory/region/channel/timer floods) under a kill storm
# beside the UART driver and soak-echo + soak-client, for one minute per arch. A longer run:
# AZOTH_SOAK_SECONDS=600 ctest -R 'boot\..*\.soak' (the ctest timeout below allows 660 s), or
# soak-boot-test.py --seconds N directly.
# No --timeout: the driver derives it from the soak's length. The ctest timeout: 60 s of soak +
# boot and wind-down; room for AZOTH_SOAK_SECONDS=600 as well.
azoth_image_boot_tests(soak ${CMAKE_CURRENT_LIST_DIR}/soak-boot-test.py LABELS fault fuzz boot TIMEOUT 1100)

# No VERIFY / .value() on module-derived values in kernel/sys, kernel/process, kernel/ipc,
# kernel/object (issue 14, class 2).
add_test(NAME lint.guest-verify
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/lint/check-guest-verify.py --root ${PROJECT_SOURCE_DIR})
set_tests_properties(lint.guest-verify PROPERTIES LABELS "fault")
