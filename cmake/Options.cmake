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
