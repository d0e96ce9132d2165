# Flags shared by every target of a build. Kernel-specific flags live in the kernel toolchains.
add_library(azoth_options INTERFACE)
target_compile_features(azoth_options INTERFACE cxx_std_20)
target_compile_options(azoth_options INTERFACE
    -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wimplicit-fallthrough
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -fno-exceptions -fno-rtti>
    -fno-omit-frame-pointer)

option(AZOTH_SANITIZE "Build hosted code with ASan and UBSan" OFF)
if(AZOTH_ARCH STREQUAL "hosted" AND AZOTH_SANITIZE)
    target_compile_options(azoth_options INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=undefined)
    target_link_options(azoth_options INTERFACE -fsanitize=address,undefined)
endif()

# Where the official Wasm spec testsuite is read from (never copied into the project):
# $AZOTH_WASM_SPEC_DIR when set, else ../shared/wasm-spec-2.0 next to the checkout. Users (the
# spec runner, the fuzz seeds, the booted spectest initrd) check that it exists and say "skipped"
# when it does not.
if(DEFINED ENV{AZOTH_WASM_SPEC_DIR} AND NOT "$ENV{AZOTH_WASM_SPEC_DIR}" STREQUAL "")
    set(AZOTH_SPEC_SUITE_DIR "$ENV{AZOTH_WASM_SPEC_DIR}")
else()
    get_filename_component(AZOTH_SPEC_SUITE_DIR "${PROJECT_SOURCE_DIR}/../shared/wasm-spec-2.0" ABSOLUTE)
endif()
