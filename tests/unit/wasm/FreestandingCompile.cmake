# Compiles each engine source for TRIPLE with the kernel's freestanding flags; fails on any error
# or warning. Invoked by ctest (see CMakeLists.txt).
if(NOT SOURCES)
    message(FATAL_ERROR "no engine sources given")
endif()
set(count 0)
foreach(source IN LISTS SOURCES)
    execute_process(
        COMMAND ${COMPILER} --target=${TRIPLE} -std=c++20 -ffreestanding -fno-exceptions -fno-rtti -nostdlib
                -nostdinc++ -fno-math-errno -Wall -Wextra -Wno-unused-parameter -Werror -O2 -I${ROOT}
                -c ${source} -o /dev/null
        RESULT_VARIABLE status
        ERROR_VARIABLE diagnostics)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "${source} does not compile freestanding for ${TRIPLE}:\n${diagnostics}")
    endif()
    math(EXPR count "${count} + 1")
endforeach()
message(STATUS "${count} engine sources compile freestanding for ${TRIPLE}")
