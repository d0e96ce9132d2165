# Privacy (docs/privacy.md, issue 21): instant reset and no remnants. Included by
# tests/privacy/CMakeLists.txt (hosted build); the engine-level snapshot tests are in
# tests/unit/privacy (labels unit;privacy).
#
# boot.<arch>.privacy-reset and boot.usermode.privacy-reset (labels privacy;boot): esp-privacy.img,
# whose init (privacy-supervisor) resets victims through azoth_reset: the secret is gone, another
# module is untouched, random bytes differ, a blocking call and an IPC call end cleanly, a module
# without `supervisor` is refused, bad child numbers are E_NOT_FOUND, 10,000 resets leak no frame.
azoth_image_boot_tests(privacy-reset ${CMAKE_CURRENT_LIST_DIR}/privacy-boot-test.py SECONDS 240 480 LABELS privacy boot
    TIMEOUT 600 USERMODE)
