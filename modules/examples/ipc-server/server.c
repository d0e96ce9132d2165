// ipc-server: an Azoth service reached by synchronous calls (azoth_call). It exports the handler
// the kernel runs on the caller's thread: azoth_handle(w0..w3) -> r0, where w0 selects the
// operation. Built for wasm32-wasi without libc (no WASI imports).
#include <azoth.h>

enum {
    OP_PING = 0,         // -> 0
    OP_SUM = 1,          // -> w1 + w2 + w3
    OP_ADD_COUNTER = 2,  // counter += w1 -> counter
    OP_TRAP = 3,         // traps (the caller gets AZOTH_E_SERVER_TRAPPED)
    OP_FORWARD = 4,      // calls the downstream endpoint with (w1, w1, w2, w3) -> its r0, or -status
    OP_SET_DOWNSTREAM = 5, // remembers handle w1 as the downstream endpoint
    OP_MAP = 6,          // maps region w1 over `window` (writable if w2) -> status
    OP_READ = 7,         // -> window[w1]
    OP_WRITE = 8,        // window[w1] = w2 -> 0
    OP_UNMAP = 9,        // -> status
};

static uint64_t counter;
static azoth_handle_t downstream;
static _Alignas(65536) volatile unsigned char window[65536];

__attribute__((export_name("window_offset"))) uint32_t window_offset(void) { return (uint32_t)(uintptr_t)window; }

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    switch (op) {
    case OP_PING: return 0;
    case OP_SUM: return a + b + c;
    case OP_ADD_COUNTER: counter += (uint64_t)a; return (int64_t)counter;
    case OP_TRAP: __builtin_trap();
    case OP_FORWARD: {
        uint64_t reply[4];
        azoth_status_t status = azoth_call(downstream, (uint64_t)a, (uint64_t)a, (uint64_t)b, (uint64_t)c, reply);
        return status == AZOTH_OK ? (int64_t)reply[0] : -(int64_t)status;
    }
    case OP_SET_DOWNSTREAM: downstream = (azoth_handle_t)a; return 0;
    case OP_MAP: return azoth_region_map((azoth_handle_t)a, window_offset(), (uint32_t)b);
    case OP_READ: return window[(uint32_t)a % sizeof window];
    case OP_WRITE: window[(uint32_t)a % sizeof window] = (unsigned char)b; return 0;
    case OP_UNMAP: return azoth_region_unmap(window_offset());
    default: return -1;
    }
}
