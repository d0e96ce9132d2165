// Calls WASI functions with hostile pointers, lengths and descriptors. Each call must return an
// error code (never crash the host, never trap), and a call that fails must change nothing in the
// module's memory (validate, then commit). Prints one line per check and a final tally.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int passed, failed;

static void expect(const char* what, int condition)
{
    if (condition) {
        ++passed;
    } else {
        ++failed;
        printf("FAIL %s\n", what);
    }
}

#define BAD(address) ((void*)(uintptr_t)(address))

static uint8_t canary[4096] __attribute__((aligned(16)));

static int canary_intact(void)
{
    for (size_t i = 0; i < sizeof(canary); ++i) {
        if (canary[i] != 0xA5)
            return 0;
    }
    return 1;
}

int main(void)
{
    memset(canary, 0xA5, sizeof(canary));
    static const char payload[] = "LEAKED-PAYLOAD\n";
    __wasi_ciovec_t good = { (const uint8_t*)payload, sizeof(payload) - 1 };
    __wasi_size_t count = 0;

    // fd_write
    expect("fd_write iovs out of bounds", __wasi_fd_write(1, BAD(0xFFFFFFF8u), 1, &count) == __WASI_ERRNO_FAULT);
    __wasi_ciovec_t far = { BAD(0xFFFFFF00u), 0x1000 };
    expect("fd_write buffer out of bounds", __wasi_fd_write(1, &far, 1, &count) == __WASI_ERRNO_FAULT);
    __wasi_ciovec_t wrapping = { BAD(0x10u), 0xFFFFFFFFu };
    expect("fd_write length wraps", __wasi_fd_write(1, &wrapping, 1, &count) == __WASI_ERRNO_FAULT);
    expect("fd_write too many iovecs", __wasi_fd_write(1, &good, 100000, &count) == __WASI_ERRNO_INVAL);
    expect("fd_write misaligned iovecs", __wasi_fd_write(1, BAD((uintptr_t)&good + 1), 1, &count) == __WASI_ERRNO_INVAL);
    expect("fd_write result pointer out of bounds (nothing written)", __wasi_fd_write(1, &good, 1, BAD(0xFFFFFFFCu)) == __WASI_ERRNO_FAULT);
    expect("fd_write bad descriptor", __wasi_fd_write(99, &good, 1, &count) == __WASI_ERRNO_BADF);
    expect("fd_write to stdin", __wasi_fd_write(0, &good, 1, &count) == __WASI_ERRNO_BADF);

    // fd_read
    __wasi_iovec_t read_far = { BAD(0xFFFFFFF0u), 64 };
    expect("fd_read buffer out of bounds", __wasi_fd_read(0, &read_far, 1, &count) == __WASI_ERRNO_FAULT);
    expect("fd_read from stdout", __wasi_fd_read(1, (__wasi_iovec_t*)&good, 1, &count) == __WASI_ERRNO_BADF);

    // args / environ: a valid pointer array with an out-of-bounds buffer must leave the array alone
    expect("args_get argv out of bounds", __wasi_args_get(BAD(0xFFFFFFFCu), (uint8_t*)canary) == __WASI_ERRNO_FAULT);
    expect("args_get buffer out of bounds", __wasi_args_get((uint8_t**)canary, BAD(0xFFFFFFFFu)) == __WASI_ERRNO_FAULT);
    expect("args_get misaligned argv", __wasi_args_get((uint8_t**)(canary + 1), (uint8_t*)canary + 64) == __WASI_ERRNO_INVAL);
    expect("args_sizes_get out of bounds", __wasi_args_sizes_get(BAD(0xFFFFFFFCu), &count) == __WASI_ERRNO_FAULT);
    expect("args_sizes_get second pointer out of bounds", __wasi_args_sizes_get((__wasi_size_t*)canary, BAD(0xFFFFFFFCu)) == __WASI_ERRNO_FAULT);
    expect("environ_get buffer out of bounds", __wasi_environ_get((uint8_t**)canary, BAD(0xFFFFFFFFu)) == __WASI_ERRNO_FAULT);
    expect("environ_sizes_get out of bounds", __wasi_environ_sizes_get(BAD(0x7FFFFFFCu), &count) == __WASI_ERRNO_FAULT);
    expect("canary intact after args/environ", canary_intact());

    // clocks
    __wasi_timestamp_t stamp;
    expect("clock_time_get result out of bounds", __wasi_clock_time_get(1, 0, BAD(0xFFFFFFF8u)) == __WASI_ERRNO_FAULT);
    expect("clock_time_get misaligned result", __wasi_clock_time_get(1, 0, BAD((uintptr_t)canary + 4)) == __WASI_ERRNO_INVAL);
    expect("clock_time_get unknown clock", __wasi_clock_time_get(77, 0, &stamp) == __WASI_ERRNO_INVAL);
    expect("clock_res_get unknown clock", __wasi_clock_res_get(9, &stamp) == __WASI_ERRNO_INVAL);
    expect("canary intact after clocks", canary_intact());

    // entropy
    expect("random_get out of bounds", __wasi_random_get(BAD(0xFFFFFF00u), 0x1000) == __WASI_ERRNO_FAULT);
    expect("random_get huge length", __wasi_random_get((uint8_t*)canary, 0xFFFFFFFFu) == __WASI_ERRNO_FAULT);
    expect("canary intact after random", canary_intact());

    // poll_oneoff
    __wasi_subscription_t subscription;
    memset(&subscription, 0, sizeof(subscription));
    subscription.u.tag = __WASI_EVENTTYPE_CLOCK;
    subscription.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subscription.u.u.clock.timeout = 1000;
    __wasi_event_t event;
    expect("poll_oneoff zero subscriptions", __wasi_poll_oneoff(&subscription, &event, 0, &count) == __WASI_ERRNO_INVAL);
    expect("poll_oneoff subscriptions out of bounds", __wasi_poll_oneoff(BAD(0xFFFFFFC0u), &event, 1, &count) == __WASI_ERRNO_FAULT);
    expect("poll_oneoff count overflows", __wasi_poll_oneoff(&subscription, &event, 0x7FFFFFFFu, &count) == __WASI_ERRNO_FAULT);
    expect("poll_oneoff events out of bounds (nothing written)",
        __wasi_poll_oneoff(&subscription, (__wasi_event_t*)canary, 1, BAD(0xFFFFFFFCu)) == __WASI_ERRNO_FAULT);
    expect("canary intact after poll", canary_intact());
    subscription.u.tag = 9;
    expect("poll_oneoff unknown event type", __wasi_poll_oneoff(&subscription, &event, 1, &count) == __WASI_ERRNO_INVAL);

    // descriptors
    __wasi_fdstat_t stat;
    expect("fd_fdstat_get out of bounds", __wasi_fd_fdstat_get(1, BAD(0xFFFFFFF0u)) == __WASI_ERRNO_FAULT);
    expect("fd_fdstat_get bad descriptor", __wasi_fd_fdstat_get(55, &stat) == __WASI_ERRNO_BADF);
    __wasi_prestat_t prestat;
    expect("fd_prestat_get has no preopens", __wasi_fd_prestat_get(3, &prestat) == __WASI_ERRNO_BADF);
    __wasi_filesize_t position;
    expect("fd_seek on a console", __wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &position) == __WASI_ERRNO_SPIPE);
    expect("fd_close bad descriptor", __wasi_fd_close(1234) == __WASI_ERRNO_BADF);

    // file calls without a preopened directory, and on a console, answer cleanly
    __wasi_fd_t opened;
    expect("path_open without a directory", __wasi_path_open(3, 0, "x", 0, 0, 0, 0, &opened) == __WASI_ERRNO_BADF);
    expect("fd_pread on a console", __wasi_fd_pread(0, (__wasi_iovec_t*)&good, 1, 0, &count) == __WASI_ERRNO_SPIPE);
    expect("fd_renumber onto a closed descriptor", __wasi_fd_renumber(1, 1234) == __WASI_ERRNO_BADF);

    expect("canary intact at the end", canary_intact());
    printf("hostile: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
