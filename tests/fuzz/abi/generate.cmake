# abi_fuzz_generate(DIR): DIR/abi_fuzz_table.h from the two import tables (gen-abi-fuzzer.py), in
# the hosted build (tests.cmake) and the arch builds (images.cmake) alike.
function(abi_fuzz_generate directory)
    set(tables ${PROJECT_SOURCE_DIR}/kernel/sys/abi/wasi_snapshot_preview1.def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def
        ${PROJECT_SOURCE_DIR}/kernel/sys/Errno.h)
    add_custom_command(OUTPUT ${directory}/abi_fuzz_table.h
        COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/fuzz/abi/gen-abi-fuzzer.py
                --wasi-def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/wasi_snapshot_preview1.def
                --azoth-def ${PROJECT_SOURCE_DIR}/kernel/sys/abi/azoth.def
                --errno-header ${PROJECT_SOURCE_DIR}/kernel/sys/Errno.h --output ${directory}/abi_fuzz_table.h
        DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/abi/gen-abi-fuzzer.py ${PROJECT_SOURCE_DIR}/tools/abi-gen/abi_gen.py ${tables}
        COMMENT "abi-fuzz: abi_fuzz_table.h"
        VERBATIM)
endfunction()
