/* A module without the `console` capability: stdin, stdout and stderr do not exist for it. Every
 * WASI call on them must answer EBADF (the same as a closed descriptor) and nothing it tries to
 * print may reach the console. It cannot tell anyone what it saw, so its exit code does: 42 when
 * every check held, else the number of the first check that failed (init prints the code). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include "wasi_subscriptions.h"

static const char leak[] = "fault-noconsole: THIS LINE MUST NOT REACH THE CONSOLE\n";

int main(void)
{
    int check = 0;
    __wasi_size_t done = 12345;
    __wasi_ciovec_t out = { (const uint8_t*)leak, sizeof leak - 1 };
    /* 1, 2: fd_write to stdout and stderr, and nothing counted as written */
    ++check;
    if (__wasi_fd_write(1, &out, 1, &done) != __WASI_ERRNO_BADF || done != 12345)
        return check;
    ++check;
    if (__wasi_fd_write(2, &out, 1, &done) != __WASI_ERRNO_BADF || done != 12345)
        return check;
    /* 3: fd_read from stdin answers at once (it does not wait for input it may not have) */
    char buffer[16];
    __wasi_iovec_t in = { (uint8_t*)buffer, sizeof buffer };
    ++check;
    if (__wasi_fd_read(0, &in, 1, &done) != __WASI_ERRNO_BADF || done != 12345)
        return check;
    /* 4-6: fd_fdstat_get tells the same story for all three */
    for (__wasi_fd_t fd = 0; fd <= 2; ++fd) {
        __wasi_fdstat_t stat;
        ++check;
        if (__wasi_fd_fdstat_get(fd, &stat) != __WASI_ERRNO_BADF)
            return check;
    }
    /* 7: poll_oneoff reports fd_read on stdin as a bad descriptor, without waiting */
    __wasi_subscription_t subscription;
    subscribe_stdin_read(&subscription, 7);
    __wasi_event_t event;
    __wasi_size_t events = 0;
    ++check;
    if (__wasi_poll_oneoff(&subscription, &event, 1, &events) != 0 || events != 1 || event.userdata != 7
        || event.error != __WASI_ERRNO_BADF)
        return check;
    /* 8: libc's printf fails too (and prints nothing) */
    ++check;
    if (printf("%s", leak) >= 0 && fflush(stdout) == 0)
        return check;
    return 42;
}
