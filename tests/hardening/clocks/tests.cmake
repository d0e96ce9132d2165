# Coarse clocks by default, precise with the capability (tests/hardening/clocks/images.cmake).
azoth_image_boot_tests(clocks ${CMAKE_CURRENT_LIST_DIR}/clocks-boot-test.py SECONDS 60 120 USERMODE LABELS fault boot
    TIMEOUT 200)
