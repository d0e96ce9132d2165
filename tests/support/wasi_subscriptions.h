/* wasi_subscriptions.h: the poll_oneoff subscriptions the booted test modules build (wasm32-wasi
 * C against wasi-libc). Each fills *s from zero, as a memset-then-assign would.
 *
 *   subscribe_stdin_read(s, userdata)             fd_read on stdin (descriptor 0)
 *   subscribe_clock(s, userdata, timeout_ns)      the monotonic clock, timeout_ns from now
 */
#ifndef AZOTH_TESTS_WASI_SUBSCRIPTIONS_H
#define AZOTH_TESTS_WASI_SUBSCRIPTIONS_H

#include <string.h>
#include <wasi/api.h>

static inline void subscribe_stdin_read(__wasi_subscription_t* s, __wasi_userdata_t userdata)
{
    memset(s, 0, sizeof *s);
    s->userdata = userdata;
    s->u.tag = __WASI_EVENTTYPE_FD_READ;
    s->u.u.fd_read.file_descriptor = 0;
}

static inline void subscribe_clock(__wasi_subscription_t* s, __wasi_userdata_t userdata, __wasi_timestamp_t timeout_ns)
{
    memset(s, 0, sizeof *s);
    s->userdata = userdata;
    s->u.tag = __WASI_EVENTTYPE_CLOCK;
    s->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s->u.u.clock.timeout = timeout_ns;
}

#endif
