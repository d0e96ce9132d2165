/* (e) hostile pointers and lengths to every system call it can reach, and (f) garbage arguments
 * (descriptors, clock ids, module indexes, child numbers). Each call must fail cleanly and leave
 * memory untouched. Exits with the number of calls that did not. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include <azoth.h>

static int passed, failed;

static void expect(int condition, const char* what)
{
    if (condition)
        passed++;
    else {
        failed++;
        printf("fault-hostile: FAILED %s\n", what);
    }
}

static char canary[64];

static int canary_intact(void)
{
    for (unsigned i = 0; i < sizeof canary; ++i)
        if (canary[i] != (char)0x5A)
            return 0;
    return 1;
}

int main(void)
{
    memset(canary, 0x5A, sizeof canary);
    uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    uint8_t* past_end = (uint8_t*)(uintptr_t)(end - 4); /* 4 bytes in, the rest outside */
    uint8_t* at_end = (uint8_t*)(uintptr_t)end;
    uint8_t* wild = (uint8_t*)(uintptr_t)0xFFFFFFF0u;

    /* WASI: hostile pointers / lengths */
    __wasi_ciovec_t bad_vector = { wild, 16 };
    __wasi_size_t written = 0;
    expect(__wasi_fd_write(1, &bad_vector, 1, &written) == __WASI_ERRNO_FAULT, "fd_write from a wild buffer");
    __wasi_ciovec_t long_vector = { (const uint8_t*)canary, 0x7FFFFFFF };
    expect(__wasi_fd_write(1, &long_vector, 1, &written) == __WASI_ERRNO_FAULT, "fd_write with a huge length");
    expect(__wasi_fd_write(1, (const __wasi_ciovec_t*)wild, 1, &written) == __WASI_ERRNO_FAULT, "fd_write with a wild iovec array");
    __wasi_timestamp_t time = 0;
    expect(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t*)at_end) == __WASI_ERRNO_FAULT,
        "clock_time_get just past the end");
    expect(__wasi_random_get(wild, 64) == __WASI_ERRNO_FAULT, "random_get into a wild buffer");
    expect(__wasi_random_get((uint8_t*)canary, 0xFFFFFFF0u) == __WASI_ERRNO_FAULT, "random_get with a huge length");
    expect(__wasi_args_sizes_get((__wasi_size_t*)wild, (__wasi_size_t*)wild) == __WASI_ERRNO_FAULT, "args_sizes_get to wild pointers");

    /* WASI: garbage numbers */
    __wasi_ciovec_t good = { (const uint8_t*)"x", 1 };
    expect(__wasi_fd_write(987654, &good, 1, &written) == __WASI_ERRNO_BADF, "fd_write to descriptor 987654");
    expect(__wasi_clock_time_get(99, 1, &time) == __WASI_ERRNO_INVAL, "clock_time_get of clock 99");
    expect(__wasi_fd_close(123456) == __WASI_ERRNO_BADF, "fd_close of descriptor 123456");

    /* azoth process imports: hostile pointers */
    azoth_module_info_t info;
    expect(azoth_module_info(0, (char*)wild, 40, &info) == AZOTH_E_FAULT, "module_info name to a wild pointer");
    expect(azoth_module_info(0, canary, 8, (azoth_module_info_t*)past_end) == AZOTH_E_FAULT, "module_info info past the end");
    expect(azoth_memory_stats((azoth_memory_stats_t*)wild) == AZOTH_E_FAULT, "memory_stats to a wild pointer");
    expect(azoth_wait(0, (azoth_child_exit_t*)wild) == AZOTH_E_FAULT, "wait with a wild event pointer");

    /* azoth process imports: garbage numbers and missing rights */
    expect(azoth_module_info(0x7FFFFFFF, canary, 8, &info) == AZOTH_E_NOT_FOUND, "module_info of module 0x7FFFFFFF");
    uint32_t child = 0;
    expect(azoth_spawn(0, &child) == AZOTH_E_PERMISSION_DENIED, "spawn without the supervisor capability");
    expect(azoth_kill(0) == AZOTH_E_NOT_FOUND && azoth_kill(0xFFFFFFFFu) == AZOTH_E_NOT_FOUND, "kill of children it does not have");
    expect(azoth_wait(0, (azoth_child_exit_t*)(void*)&canary[0]) == AZOTH_E_TIMED_OUT, "wait without children");

    /* azoth device imports: the console belongs to the module granted `serial-port` alone (and the
     * UART's registers to the one whose manifest names the `uart` device) */
    azoth_handle_t event = 0;
    expect(azoth_event_create(&event) == AZOTH_OK, "event_create");
    expect(azoth_console_attach(event, 1) == AZOTH_E_PERMISSION_DENIED, "console_attach without the serial-port capability");
    azoth_handle_t device = 0;
    expect(azoth_handle_find("uart", 4, &device) == AZOTH_E_NOT_FOUND, "a uart device handle its manifest does not name");
    uint32_t length = 0;
    expect(azoth_console_read(canary, 8, 0, &length) == AZOTH_E_PERMISSION_DENIED, "console_read without owning the console");

    expect(canary_intact(), "no failed call wrote into memory");
    printf("fault-hostile: %d passed, %d failed\n", passed, failed);
    return failed;
}
