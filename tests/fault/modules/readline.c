/* Console input, booted: prompts, proves poll_oneoff does not claim stdin is readable before any
 * input came, waits for a line on stdin (the boot test types it into QEMU's serial port; the
 * UART driver module hands the bytes to the kernel), and prints something derived from it: its
 * length and the line reversed. Exits 0 when it got a line, 1 on end of input, 2 on a failed
 * check.
 *
 * `readline --wait clock` / `--wait input` (the kernel's console-kill-test mode) only waits 60 s in
 * one poll_oneoff, clock-only or on stdin, to be killed meanwhile: the kill must end the wait
 * (exit 3 if the wait ever returns, so a kill that came too late is seen). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include <azoth.h>

#include "wasi_subscriptions.h"

/* poll_oneoff on stdin with a relative clock timeout: 1 when stdin was reported readable. */
static int stdin_ready_within(uint64_t timeout_ns, int* error)
{
    __wasi_subscription_t subscriptions[2];
    subscribe_stdin_read(&subscriptions[0], 1);
    subscribe_clock(&subscriptions[1], 2, timeout_ns);
    __wasi_event_t events[2];
    __wasi_size_t count = 0;
    *error = __wasi_poll_oneoff(subscriptions, events, 2, &count);
    int ready = 0;
    for (__wasi_size_t i = 0; i < count; ++i) {
        if (events[i].userdata == 1 && events[i].error == 0)
            ready = 1;
    }
    return ready;
}

/* One 60 s wait in poll_oneoff: clock-only, or on stdin with a clock timeout. */
static int wait_to_be_killed(const char* kind)
{
    int error = 0;
    printf("readline: waiting 60 s in poll_oneoff (%s)\n", kind);
    fflush(stdout);
    if (strcmp(kind, "clock") == 0) {
        __wasi_subscription_t subscription;
        subscribe_clock(&subscription, 0, 60ull * 1000 * 1000 * 1000);
        __wasi_event_t event;
        __wasi_size_t count = 0;
        error = __wasi_poll_oneoff(&subscription, &event, 1, &count);
    } else {
        (void)stdin_ready_within(60ull * 1000 * 1000 * 1000, &error);
    }
    printf("readline: the %s wait returned (error %d)\n", kind, error);
    return 3;
}

/* readline holds `serial-port` only to check that console_attach refuses bad arguments and changes
 * nothing: a forged event handle, one without the write right, no bits. (Each check fails before
 * the stream is touched, so it cannot take the console from the driver.) 1 when all held. */
static int console_attach_refusals(void)
{
    azoth_handle_t event = 0, read_only = 0;
    if (azoth_event_create(&event) != AZOTH_OK || azoth_handle_derive(event, AZOTH_RIGHT_READ, &read_only) != AZOTH_OK) {
        printf("readline: FAIL cannot make the events for the console_attach checks\n");
        return 0;
    }
    azoth_status_t forged = azoth_console_attach(0x7FFF1234u, 1);
    azoth_status_t no_write = azoth_console_attach(read_only, 1);
    azoth_status_t no_bits = azoth_console_attach(event, 0);
    azoth_handle_close(read_only);
    azoth_handle_close(event);
    if (forged != AZOTH_E_BAD_HANDLE || no_write != AZOTH_E_PERMISSION_DENIED || no_bits != AZOTH_E_INVALID_ARGUMENT) {
        printf("readline: FAIL console_attach: forged handle %d, no write right %d, no bits %d\n", (int)forged, (int)no_write,
               (int)no_bits);
        return 0;
    }
    printf("readline: console_attach refuses a forged handle, a read-only event and no bits (ok)\n");
    return 1;
}

int main(int argc, char** argv)
{
    if (argc == 3 && strcmp(argv[1], "--wait") == 0)
        return wait_to_be_killed(argv[2]);
    if (!console_attach_refusals())
        return 2;
    int error = 0;
    /* Nobody has typed anything yet: a 20 ms poll must time out, not claim input. */
    if (stdin_ready_within(20 * 1000 * 1000ull, &error) || error) {
        printf("readline: FAIL poll_oneoff reported stdin readable before any input (error %d)\n", error);
        return 2;
    }
    printf("readline: poll before input: not ready (ok)\n");
    printf("readline: type a line> \n");
    fflush(stdout);
    /* Now wait (up to 60 s) until poll_oneoff says there is input, then read the line. */
    if (!stdin_ready_within(60ull * 1000 * 1000 * 1000, &error) || error) {
        printf("readline: FAIL no input reported by poll_oneoff within 60 s (error %d)\n", error);
        return 2;
    }
    printf("readline: poll after input: ready (ok)\n");
    char line[256];
    if (!fgets(line, sizeof line, stdin)) {
        printf("readline: end of input\n");
        return 1;
    }
    size_t length = strcspn(line, "\r\n");
    line[length] = 0;
    char reversed[256];
    for (size_t i = 0; i < length; ++i)
        reversed[i] = line[length - 1 - i];
    reversed[length] = 0;
    printf("readline: got \"%s\" (%zu bytes), reversed \"%s\"\n", line, length, reversed);
    return 0;
}
